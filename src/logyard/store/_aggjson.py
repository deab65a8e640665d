"""The API's JSON (Elasticsearch-shaped) and query-string parameters → the query model.

::

    {"query": "service.name:mes", "from": "2026-11-26T00:00:00Z", "to": "...",
     "systems": ["mes"],
     "aggs": {"over_time": {"date_histogram": {"field": "@timestamp", "fixed_interval": "1m"},
                            "aggs": {"levels": {"terms": {"field": "log.level"}}}},
              "p": {"percentiles": {"field": "http.duration_ms", "percents": [50, 99]}}}}

Every error is a :class:`~logyard.errors.QueryError` that names the JSON path of the problem.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from logyard.catalog import SYSTEMS
from logyard.errors import QueryError
from logyard.store import kql
from logyard.store._base import INDEX_PREFIX
from logyard.store._dates import auto_interval, interval_ms, parse_datetime
from logyard.store._fields import field_ref
from logyard.store._model import (
    AggregateRequest,
    Aggregation,
    Cardinality,
    DateHistogram,
    Percentiles,
    SearchRequest,
    Sort,
    Stats,
    Terms,
)

__all__ = [
    "MAX_SIZE",
    "aggregate_request_from_json",
    "search_request_from_json",
    "search_request_from_params",
]

MAX_SIZE = 10_000
_AGG_TYPES = ("date_histogram", "terms", "percentiles", "cardinality", "stats")
_SEARCH_KEYS = ("query", "from", "to", "systems", "size", "sort", "search_after")
_AGG_KEYS = ("query", "from", "to", "systems", "aggs", "aggregations")


def _fail(path: str, what: str, fix: str) -> QueryError:
    return QueryError(f"{path}: {what}; {fix}")


def _object(value: object, path: str, fix: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(path, f"expected an object, got {type(value).__name__}", fix)
    return cast(Mapping[str, Any], value)


def _unknown_keys(obj: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
    for key in obj:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise _fail(where, "unknown key", f"use {', '.join(allowed)}")


def _int(value: object, path: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _fail(path, f"expected an integer from {low} to {high}, got {value!r}", "fix it")
    return value


def _query(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _fail("query", f"expected KQL text, got {type(value).__name__}", 'send "" for all')
    kql.parse(value)  # syntax errors surface here, with their column
    return value


def _time_range(body: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    start = parse_datetime(body["from"], "from") if body.get("from") is not None else None
    end = parse_datetime(body["to"], "to") if body.get("to") is not None else None
    if start is not None and end is not None and end <= start:
        raise _fail("to", f"{end.isoformat()} is not after from", "swap from and to")
    return start, end


def _systems(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [s for s in value.split(",") if s.strip()]
    if not isinstance(value, list | tuple):
        raise _fail("systems", "expected a list of systems", f"use any of {', '.join(SYSTEMS)}")
    out: list[str] = []
    for i, item in enumerate(value):
        name = item.strip().removeprefix(INDEX_PREFIX) if isinstance(item, str) else item
        if name not in SYSTEMS:
            raise _fail(
                f"systems.{i}", f"unknown system {item!r}", f"use any of {', '.join(SYSTEMS)}"
            )
        out.append(cast(str, name))
    return tuple(out)


# -- search ---------------------------------------------------------------------------------
def _sort(value: object) -> tuple[Sort, ...]:
    if value is None:
        return (Sort(),)
    if isinstance(value, str):
        value = [s.strip() for s in value.split(",") if s.strip()]
    if not isinstance(value, list | tuple) or not value:
        raise _fail("sort", "expected a list of sort keys", 'write ["@timestamp:desc"]')
    out: list[Sort] = []
    for i, item in enumerate(value):
        if isinstance(item, Mapping) and len(item) == 1:
            field, order = next(iter(item.items()))
            if isinstance(order, Mapping):
                order = order.get("order", "asc")
        elif isinstance(item, str):
            field, _, order = item.partition(":")
            if field.startswith("-"):
                field, order = field[1:], order or "desc"
            order = order or "asc"
        else:
            raise _fail(
                f"sort.{i}", f"expected 'field:order', got {item!r}", "like @timestamp:desc"
            )
        if order not in ("asc", "desc"):
            raise _fail(f"sort.{i}", f"order {order!r} is neither asc nor desc", "use asc or desc")
        if not field:
            raise _fail(f"sort.{i}", "missing field", "like @timestamp:desc")
        out.append(Sort(field=field, order=order))
    return tuple(out)


def search_request_from_json(body: Mapping[str, Any]) -> SearchRequest:
    """A :class:`SearchRequest` from a JSON body (``query``, ``from``, ``to``, ``systems``,
    ``size``, ``sort``, ``search_after``)."""
    body = _object(body, "body", "send a JSON object")
    _unknown_keys(body, _SEARCH_KEYS, "")
    start, end = _time_range(body)
    after = body.get("search_after")
    if after is not None and not isinstance(after, list | tuple):
        raise _fail("search_after", "expected a list", "pass the `next` of the previous page")
    return SearchRequest(
        query=_query(body.get("query")),
        time_from=start,
        time_to=end,
        systems=_systems(body.get("systems")),
        size=_int(body.get("size", 100), "size", 0, MAX_SIZE),
        sort=_sort(body.get("sort")),
        search_after=tuple(after) if after is not None else None,
    )


def search_request_from_params(params: Mapping[str, str | Sequence[str]]) -> SearchRequest:
    """A :class:`SearchRequest` from URL query parameters: ``q`` (or ``query``), ``from``,
    ``to``, ``systems`` (comma-separated or repeated), ``size``, ``sort``
    (``@timestamp:desc,event.id:asc``) and ``search_after`` (the JSON array of ``next``)."""
    body: dict[str, Any] = {}
    for key, raw in params.items():
        name = "query" if key == "q" else key
        value: Any = raw if isinstance(raw, str) else list(raw)
        if name != "systems" and isinstance(value, list):
            value = value[-1] if value else None
        if name == "search_after" and isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise _fail(
                    "search_after", "not a JSON array", "pass the `next` of the previous page"
                ) from None
        body[name] = value
    return search_request_from_json(body)


# -- aggregations -----------------------------------------------------------------------------
def _field(body: Mapping[str, Any], path: str, fix: str) -> str:
    value = body.get("field")
    if value is None:
        raise _fail(f"{path}.field", "required", fix)
    if not isinstance(value, str) or not value:
        raise _fail(f"{path}.field", f"expected a field name, got {value!r}", fix)
    return value


def _numeric_field(body: Mapping[str, Any], path: str) -> str:
    fix = "name a numeric field like http.duration_ms"
    name = _field(body, path, fix)
    if field_ref(name).kind not in ("number", "unknown"):
        raise _fail(f"{path}.field", f"{name} is not numeric", fix)
    return name


def _interval(body: Mapping[str, Any], path: str, span: tuple[datetime | None, ...]) -> str:
    keys = [k for k in ("fixed_interval", "interval", "calendar_interval") if k in body]
    if len(keys) != 1:
        raise _fail(path, "needs one of fixed_interval or interval", 'like "fixed_interval": "1m"')
    value = body[keys[0]]
    where = f"{path}.{keys[0]}"
    if not isinstance(value, str):
        raise _fail(where, f"expected text like 1m, got {value!r}", "write 30s, 1m, 1h or auto")
    if value == "auto":
        start, end = span
        return auto_interval(start, end) if start and end else "auto"
    if value in ("minute", "hour", "day"):
        value = "1" + value[0]
    interval_ms(value, where)
    return value


def _one(
    name: str, spec: object, path: str, span: tuple[datetime | None, ...], nested: bool
) -> Aggregation:
    spec = _object(spec, path, f"write {{{', '.join(_AGG_TYPES)}: {{...}}}}")
    kinds = [k for k in spec if k not in ("aggs", "aggregations")]
    if len(kinds) != 1 or kinds[0] not in _AGG_TYPES:
        raise _fail(path, f"expected one of {', '.join(_AGG_TYPES)}, got {kinds}", "pick one type")
    kind = kinds[0]
    p = f"{path}.{kind}"
    body = _object(spec[kind], p, "write the aggregation's options as an object")
    sub_spec = spec.get("aggs", spec.get("aggregations"))
    if sub_spec is not None:
        if kind not in ("date_histogram", "terms"):
            raise _fail(f"{path}.aggs", f"{kind} has no sub-aggregations", "remove aggs")
        if nested:
            raise _fail(
                f"{path}.aggs", "aggregations nest one level deep", "move this one a level up"
            )
    subs = _aggs(sub_spec, f"{path}.aggs", span, nested=True) if sub_spec is not None else {}
    match kind:
        case "date_histogram":
            _unknown_keys(body, ("field", "fixed_interval", "interval", "calendar_interval"), p)
            field = body.get("field", "@timestamp")
            if not isinstance(field, str) or field_ref(field).kind != "date":
                raise _fail(f"{p}.field", f"{field!r} is not a date field", "use @timestamp")
            return DateHistogram(field=field, interval=_interval(body, p, span), aggs=subs)
        case "terms":
            _unknown_keys(body, ("field", "size"), p)
            field = _field(body, p, "name a field like log.level")
            if field_ref(field).kind in ("object", "list"):
                raise _fail(f"{p}.field", f"{field} is not a single value", "name a keyword field")
            size = _int(body.get("size", 10), f"{p}.size", 1, MAX_SIZE)
            return Terms(field=field, size=size, aggs=subs)
        case "percentiles":
            _unknown_keys(body, ("field", "percents"), p)
            field = _numeric_field(body, p)
            percents = body.get("percents", [50, 95, 99])
            if (
                not isinstance(percents, list)
                or not percents
                or not all(
                    isinstance(x, int | float) and not isinstance(x, bool) and 0 <= x <= 100
                    for x in percents
                )
            ):
                raise _fail(
                    f"{p}.percents",
                    f"expected numbers from 0 to 100, got {percents!r}",
                    "like [50, 95, 99]",
                )
            return Percentiles(field=field, percents=tuple(float(x) for x in percents))
        case "cardinality":
            _unknown_keys(body, ("field",), p)
            return Cardinality(field=_field(body, p, "name a field like user.name"))
        case _:
            _unknown_keys(body, ("field",), p)
            return Stats(field=_numeric_field(body, p))


def _aggs(
    obj: object, path: str, span: tuple[datetime | None, ...], *, nested: bool
) -> dict[str, Aggregation]:
    aggs = _object(obj, path, 'name each aggregation: {"by_level": {"terms": {...}}}')
    return {name: _one(name, spec, f"{path}.{name}", span, nested) for name, spec in aggs.items()}


def aggregate_request_from_json(body: Mapping[str, Any]) -> AggregateRequest:
    """An :class:`AggregateRequest` from the API's JSON body (``query``, ``from``, ``to``,
    ``systems``, ``aggs``)."""
    body = _object(body, "body", "send a JSON object")
    _unknown_keys(body, _AGG_KEYS, "")
    start, end = _time_range(body)
    raw = body.get("aggs", body.get("aggregations"))
    if raw is None:
        raise _fail("aggs", "required", 'name at least one aggregation, like {"n": {"stats": ...}}')
    return AggregateRequest(
        aggs=_aggs(raw, "aggs", (start, end), nested=False),
        query=_query(body.get("query")),
        time_from=start,
        time_to=end,
        systems=_systems(body.get("systems")),
    )
