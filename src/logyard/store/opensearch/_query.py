"""KQL tree and :class:`SearchRequest` → the query DSL, with the embedded store's semantics.

Matching follows the field's kind (:mod:`logyard.store._fields`), exactly as the DuckDB
backend compiles it to SQL, so both stores return the same events:

* ``keyword``/``list``/unknown fields: ``term`` (case-sensitive) or ``wildcard``;
* ``log.level``: ``term`` on the upper-cased value, ``wildcard`` with ``case_insensitive``;
  ranges (``log.level >= warn``) become the ``terms`` of the levels in range;
* prose (``message``, ``error.message``, ...): a case-insensitive substring, a ``wildcard``
  query on the field's ``.wildcard`` sub-field (``*disk full*``);
* numbers and dates: ``term``/``range`` (a date without a time is the whole day);
* free text: a case-insensitive substring of any string value, a ``wildcard`` query on the
  catch-all field every string is copied to (:data:`FREE_TEXT_FIELD`);
* ``field:*``: ``exists``; ``not``: ``bool.must_not`` (a missing field does not match, so
  ``not user.name:bot*`` keeps events without a user, as in Elasticsearch and DuckDB).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from logyard.errors import QueryError
from logyard.store import kql
from logyard.store._base import index_name
from logyard.store._dates import parse_datetime, to_epoch_ms
from logyard.store._fields import FieldRef
from logyard.store._model import SearchRequest, Sort
from logyard.store._requests import (
    MAX_PAGE_SIZE,
    check_page_size,
    check_search_after,
    check_sortable,
    query_field,
    query_number,
)
from logyard.store._scope import levels_in_range, systems_to_read
from logyard.store.opensearch._mapping import FREE_TEXT_FIELD

__all__ = [
    "MAX_PAGE_SIZE",
    "compile_query",
    "indices_for",
    "request_filter",
    "search_body",
    "sort_clause",
    "wildcard_value",
]

_RANGE_OPS = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_EPOCH = "epoch_millis"


def wildcard_value(pattern: str, *, contains: bool = False) -> str:
    """KQL pattern (``*`` wildcard, ``\\*`` a literal star) → Lucene wildcard syntax."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append("\\" + pattern[i + 1] if pattern[i + 1] in "*?\\" else pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            out.append("*")
        else:
            out.append("\\" + ch if ch in "?\\" else ch)
        i += 1
    text = "".join(out)
    return f"*{text}*" if contains else text


def _literal(text: str) -> str:
    """``text`` as a wildcard pattern that matches it literally."""
    return "".join("\\" + c if c in "*?\\" else c for c in text)


def _wildcard(field: str, value: str, *, insensitive: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {"value": value}
    if insensitive:
        spec["case_insensitive"] = True
    return {"wildcard": {field: spec}}


def compile_query(node: kql.Node) -> dict[str, Any]:
    """The query DSL of a KQL tree."""
    match node:
        case kql.MatchAll():
            return {"match_all": {}}
        case kql.And(operands):
            return {"bool": {"filter": [compile_query(o) for o in operands]}}
        case kql.Or(operands):
            return {
                "bool": {"should": [compile_query(o) for o in operands], "minimum_should_match": 1}
            }
        case kql.Not(operand):
            return {"bool": {"must_not": [compile_query(operand)]}}
        case kql.FreeText(text, kind):
            pattern = wildcard_value(text) if kind == "wildcard" else _literal(text)
            return _wildcard(FREE_TEXT_FIELD, f"*{pattern}*", insensitive=True)
        case kql.Exists(field):
            return {"exists": {"field": query_field(field).name}}
        case kql.Match(field, value, kind):
            return _match(query_field(field), value, kind)
        case kql.Range(field, op, value):
            return _range(query_field(field), op, value)
    raise TypeError(f"not a KQL node: {node!r}")  # pragma: no cover


def _match(ref: FieldRef, value: str, kind: kql.MatchKind) -> dict[str, Any]:
    wildcard = kind == "wildcard"
    name = ref.name
    match ref.kind:
        case "level":
            if wildcard:
                return _wildcard(name, wildcard_value(value), insensitive=True)
            return {"term": {name: value.upper()}}
        case "text":
            pattern = wildcard_value(value) if wildcard else _literal(value)
            return _wildcard(f"{name}.wildcard", f"*{pattern}*", insensitive=True)
        case "number":
            if wildcard:
                raise QueryError(
                    f"{name}: wildcards do not apply to numbers; use a range like {name} >= 100"
                )
            return {"term": {name: query_number(ref.name, value)}}
        case "date":
            if wildcard:
                raise QueryError(
                    f"{name}: wildcards do not apply to dates; "
                    f"use a range like {name} >= 2026-11-26"
                )
            start = parse_datetime(value, name)
            if len(value.strip()) == 10:  # a whole day
                end = start + timedelta(days=1)
                bounds = {"gte": to_epoch_ms(start), "lt": to_epoch_ms(end)}
            else:
                bounds = {"gte": to_epoch_ms(start), "lte": to_epoch_ms(start)}
            return {"range": {name: {**bounds, "format": _EPOCH}}}
        case "object":
            raise QueryError(f"{name}: is an object; match one of its keys like {name}.<key>")
        case _:
            if wildcard:
                return _wildcard(name, wildcard_value(value), insensitive=False)
            return {"term": {name: value}}


def _range(ref: FieldRef, op: kql.RangeOp, value: str) -> dict[str, Any]:
    name = ref.name
    bound = _RANGE_OPS[op]
    match ref.kind:
        case "number":
            return {"range": {name: {bound: query_number(ref.name, value)}}}
        case "date":
            ms = to_epoch_ms(parse_datetime(value, name))
            return {"range": {name: {bound: ms, "format": _EPOCH}}}
        case "level":
            keep = levels_in_range(op, value)
            return {"terms": {name: keep}}
        case "object" | "list":
            raise QueryError(
                f"{name}: ranges apply to numbers, dates and strings; "
                "pick a field of one of those kinds"
            )
        case "unknown":
            try:
                return {"range": {name: {bound: float(value)}}}
            except ValueError:
                return {"range": {name: {bound: value}}}
        case _:
            return {"range": {name: {bound: value}}}


def indices_for(systems: tuple[str, ...] | None, node: kql.Node | None = None) -> list[str]:
    """The ``logs-<system>`` indices to search, narrowed by a ``service.name`` filter."""
    return sorted(index_name(s) for s in systems_to_read(systems, node))


def request_filter(
    node: kql.Node, time_from: datetime | None, time_to: datetime | None
) -> dict[str, Any]:
    """The query and the half-open time range ``[time_from, time_to)`` in one ``bool``."""
    clauses = [compile_query(node)]
    bounds: dict[str, Any] = {}
    if time_from is not None:
        bounds["gte"] = to_epoch_ms(parse_datetime(time_from, "from"))
    if time_to is not None:
        bounds["lt"] = to_epoch_ms(parse_datetime(time_to, "to"))
    if bounds:
        clauses.append({"range": {"@timestamp": {**bounds, "format": _EPOCH}}})
    return {"bool": {"filter": clauses}}


def sort_clause(sorts: tuple[Sort, ...]) -> list[dict[str, Any]]:
    """Sort keys, nulls last, then ``event.id`` in the first key's direction."""
    out: list[dict[str, Any]] = []
    for i, s in enumerate(sorts):
        ref = query_field(s.field)
        check_sortable(i, s.field, ref.kind)
        name = f"{s.field}.wildcard" if ref.kind == "text" else s.field
        spec: dict[str, Any] = {"order": s.order, "missing": "_last"}
        if ref.kind == "unknown":
            spec["unmapped_type"] = "keyword"
        out.append({name: spec})
    out.append({"event.id": {"order": sorts[0].order}})
    return out


def search_body(request: SearchRequest, node: kql.Node) -> dict[str, Any]:
    """The ``_search`` body of one page (one hit more than asked, to know if there is a next)."""
    check_page_size(request.size)
    sorts = request.sort or SearchRequest().sort
    sort = sort_clause(sorts)
    body: dict[str, Any] = {
        "query": request_filter(node, request.time_from, request.time_to),
        "size": min(request.size + 1, MAX_PAGE_SIZE),
        "sort": sort,
        "track_total_hits": True,
    }
    if request.search_after is not None:
        check_search_after(request.search_after, len(sort))
        body["search_after"] = list(request.search_after)
    return body
