"""KQL tree → SQL ``WHERE`` text with bound parameters (values are never written into SQL).

A field missing from an event never matches, so ``not user.name:bot*`` keeps events without
a ``user.name`` (as Elasticsearch does): ``NOT`` wraps its operand in ``coalesce(.., false)``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from logyard.errors import QueryError
from logyard.store import kql
from logyard.store._dates import parse_datetime
from logyard.store._requests import query_number
from logyard.store._scope import levels_in_range
from logyard.store.duckdb._schema import Column, Params, column, json_exists

__all__ = ["compile_where", "like_pattern", "sql_datetime"]

_ESC = "ESCAPE '\\'"


def like_pattern(pattern: str) -> str:
    """KQL wildcard pattern (``*`` wildcard, ``\\*`` literal) → LIKE pattern escaped by ``\\``."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            ch = pattern[i + 1]
            i += 1
        elif ch == "*":
            out.append("%")
            i += 1
            continue
        out.append("\\" + ch if ch in "%_\\" else ch)
        i += 1
    return "".join(out)


_RE_SPECIAL = frozenset("\\.+*?()|[]{}^$")
_IN_STRING = r'(?:[^"\\]|\\.)*'
_REST_OF_VALUE = r'[^"\\]*(?:\\.[^"\\]*)*"\s*[,}\]]'


def _re_literal(text: str) -> str:
    """``text`` as it appears inside a JSON string, escaped for RE2."""
    encoded = msgspec.json.encode(text).decode()[1:-1]
    return "".join("\\" + c if c in _RE_SPECIAL else c for c in encoded)


def _free_text(text: str, wildcard: bool, params: Params) -> str:
    """Free text: case-insensitive, inside any string *value* of the document (not keys).

    One RE2 pattern: the text, then the rest of its JSON string up to the closing quote,
    which must be followed by ``,``, ``}`` or ``]`` (a value) — a key is followed by ``:``.
    Starting at the literal keeps it as fast as a plain case-insensitive search.
    """
    if wildcard:
        inner = _IN_STRING.join(_re_literal(p) for p in _wildcard_pieces(text))
    else:
        inner = _re_literal(text)
    return f"regexp_matches(doc, {params.add(f'(?i){inner}{_REST_OF_VALUE}')})"


def _wildcard_pieces(pattern: str) -> list[str]:
    """Literal parts of a KQL wildcard pattern (``*`` wildcard, ``\\*`` literal)."""
    pieces: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            current.append(pattern[i + 1])
            i += 2
            continue
        if ch == "*":
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    pieces.append("".join(current))
    return pieces


def sql_datetime(value: object, where: str) -> datetime:
    """A naive UTC datetime, as the ``ts`` column holds it."""
    return parse_datetime(value, where).astimezone(UTC).replace(tzinfo=None)


def compile_where(node: kql.Node, params: Params) -> str:
    """SQL condition for ``node``."""
    match node:
        case kql.MatchAll():
            return "TRUE"
        case kql.And(operands):
            return "(" + " AND ".join(compile_where(o, params) for o in operands) + ")"
        case kql.Or(operands):
            return "(" + " OR ".join(compile_where(o, params) for o in operands) + ")"
        case kql.Not(operand):
            return f"(NOT coalesce({compile_where(operand, params)}, FALSE))"
        case kql.FreeText(text, kind):
            return _free_text(text, kind == "wildcard", params)
        case kql.Exists(field):
            return _exists(field, params)
        case kql.Match(field, value, kind):
            return _match(column(field, params), value, kind, params)
        case kql.Range(field, op, value):
            return _range(column(field, params), op, value, params)
    raise TypeError(f"not a KQL node: {node!r}")  # pragma: no cover


def _exists(field: str, params: Params) -> str:
    col = column(field, Params())  # a typed column needs no parameter
    if not col.typed:
        return json_exists(field, params)
    if col.sql == "message":
        return "(message <> '')"
    return f"({col.sql} IS NOT NULL)"


def _match(col: Column, value: str, kind: kql.MatchKind, params: Params) -> str:
    wildcard = kind == "wildcard"
    match col.kind:
        case "level":
            if wildcard:
                return f"({col.sql} ILIKE {params.add(like_pattern(value))} {_ESC})"
            return f"({col.sql} = {params.add(value.upper())})"
        case "text":
            if wildcard:
                pattern = "%" + like_pattern(value.lower()) + "%"
                return f"(lower({col.sql}) LIKE {params.add(pattern)} {_ESC})"
            return f"contains(lower({col.sql}), {params.add(value.lower())})"
        case "number":
            if wildcard:
                raise QueryError(
                    f"{col.name}: wildcards do not apply to numbers; "
                    f"use a range like {col.name} >= 100"
                )
            return f"({col.sql} = {params.add(query_number(col.name, value))})"
        case "date":
            if wildcard:
                raise QueryError(
                    f"{col.name}: wildcards do not apply to dates; use a range like "
                    f"{col.name} >= 2026-11-26"
                )
            start = sql_datetime(value, col.name)
            if len(value.strip()) == 10:  # a whole day
                end = start + timedelta(days=1)
                return f"({col.sql} >= {params.add(start)} AND {col.sql} < {params.add(end)})"
            return f"({col.sql} = {params.add(start)})"
        case "list":
            if wildcard:
                pat = params.add(like_pattern(value))
                return f"(len(list_filter({col.sql}, lambda x: x LIKE {pat} {_ESC})) > 0)"
            return f"list_contains({col.sql}, {params.add(value)})"
        case "object":
            raise QueryError(
                f"{col.name}: is an object; match one of its keys like {col.name}.<key>"
            )
        case _:
            if wildcard:
                return f"({col.sql} LIKE {params.add(like_pattern(value))} {_ESC})"
            return f"({col.sql} = {params.add(value)})"


def _range(col: Column, op: str, value: str, params: Params) -> str:
    match col.kind:
        case "number":
            return f"({col.sql} {op} {params.add(query_number(col.name, value))})"
        case "date":
            return f"({col.sql} {op} {params.add(sql_datetime(value, col.name))})"
        case "level":
            keep = levels_in_range(op, value)
            return f"list_contains({params.add(keep)}, {col.sql})"
        case "object" | "list":
            raise QueryError(
                f"{col.name}: ranges apply to numbers, dates and strings; "
                "pick a field of one of those kinds"
            )
        case "unknown":
            try:
                number = float(value)
            except ValueError:
                return f"({col.sql} {op} {params.add(value)})"
            return f"(TRY_CAST({col.sql} AS DOUBLE) {op} {params.add(number)})"
        case _:
            return f"({col.sql} {op} {params.add(value)})"
