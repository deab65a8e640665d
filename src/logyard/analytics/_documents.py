"""The analytic schema as Elasticsearch/OpenSearch documents: one ``analytics-<table>`` index
per table of :mod:`logyard.analytics._schema`, same columns, same names.

:data:`COLUMNS` is the schema in a form both sides use: the sink turns rows into documents
with it, and ``logyard setup`` turns it into index templates (:func:`table_mappings`). A
unit test checks it against the DuckDB tables, column by column, so the two cannot drift.

=========  ===============================================================================
kind       mapping
=========  ===============================================================================
keyword    ``keyword`` (ids, systems, users, routes, statuses)
date       ``date``: times are written as RFC 3339 UTC with milliseconds (the events' own
           precision); ``day`` of ``activity_daily`` as ``YYYY-MM-DD``
integer    ``integer``
double     ``double``
json       ``object`` with ``enabled: false``: order parameters and old/new values, kept in
           ``_source`` as the JSON objects they are, never mapped (no mapping conflicts)
=========  ===============================================================================
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any, Literal

import msgspec

__all__ = [
    "COLUMNS",
    "CURSORS_INDEX",
    "INDEX_PREFIX",
    "TABLES",
    "cursor_mappings",
    "document_id",
    "index_of",
    "parse_time",
    "table_mappings",
    "to_document",
]

Kind = Literal["keyword", "date", "integer", "double", "json"]

#: Every analytic index is ``analytics-<table>`` (``Support_Logs`` reads ``analytics-*``).
INDEX_PREFIX = "analytics-"
#: The branch's own bookkeeping (not under ``analytics-*``): one document per cursor key.
CURSORS_INDEX = "logyard-analytics-cursors"

_K: Kind = "keyword"
_T: Kind = "date"
_I: Kind = "integer"
_D: Kind = "double"
_J: Kind = "json"

#: Columns of every table, in the DuckDB tables' order.
COLUMNS: dict[str, tuple[tuple[str, Kind], ...]] = {
    "order_events": (
        ("event_id", _K), ("order_id", _K), ("system", _K), ("ts", _T), ("action", _K),
        ("user_name", _K), ("operator", _K), ("calculation_ms", _D), ("status", _K),
        ("params", _J), ("old", _J), ("new", _J),
    ),
    "requests": (
        ("event_id", _K), ("system", _K), ("ts", _T), ("trace_id", _K), ("method", _K),
        ("route", _K), ("status", _I), ("duration_ms", _D), ("retry_attempt", _I),
    ),
    "session_events": (
        ("event_id", _K), ("system", _K), ("user_name", _K), ("ts", _T), ("kind", _K),
    ),
    "ops_events": (
        ("event_id", _K), ("system", _K), ("ts", _T), ("action", _K), ("host", _K),
        ("version", _K), ("failure_kind", _K), ("component", _K), ("commit_time", _T),
    ),
    "feedback": (
        ("event_id", _K), ("system", _K), ("ts", _T), ("user_name", _K), ("score", _I),
    ),
    "orders": (
        ("order_id", _K), ("channel", _K), ("created_at", _T), ("created_by", _K),
        ("changes", _I), ("status", _K), ("received_at", _T), ("operator", _K),
        ("assigned_at", _T), ("calculation_ms", _D), ("calculated_at", _T),
        ("creation_to_calculation_ms", _D), ("printed_at", _T), ("updated_at", _T),
    ),
    "sessions": (
        ("login_event_id", _K), ("system", _K), ("user_name", _K), ("login_at", _T),
        ("logout_at", _T), ("duration_ms", _D), ("next_login_at", _T), ("open_until", _T),
    ),
    "activity_daily": (
        ("system", _K), ("user_name", _K), ("day", _T), ("first_at", _T), ("last_at", _T),
    ),
}  # fmt: skip

TABLES: tuple[str, ...] = tuple(COLUMNS)

_DATE_FORMAT = "strict_date_optional_time||epoch_millis"
_KEYWORD_CHARS = 1024
_DECODE = msgspec.json.Decoder()
_MAX_ID_BYTES = 512


def index_of(table: str) -> str:
    """``analytics-<table>``."""
    return f"{INDEX_PREFIX}{table}"


def _leaf(kind: Kind) -> dict[str, Any]:
    match kind:
        case "keyword":
            return {"type": "keyword", "ignore_above": _KEYWORD_CHARS}
        case "date":
            return {"type": "date", "format": _DATE_FORMAT}
        case "json":
            return {"type": "object", "enabled": False}
        case _:
            return {"type": kind}


def table_mappings(table: str) -> dict[str, Any]:
    """The ``mappings`` of ``analytics-<table>`` (strict: a stray field is an error)."""
    return {
        "dynamic": "strict",
        "properties": {name: _leaf(kind) for name, kind in COLUMNS[table]},
    }


def cursor_mappings() -> dict[str, Any]:
    """The ``mappings`` of :data:`CURSORS_INDEX`: ``key`` (a system) and ``seq``."""
    return {
        "dynamic": "strict",
        "properties": {"key": {"type": "keyword"}, "seq": {"type": "long"}},
    }


def _time(value: datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def parse_time(text: str | None) -> datetime | None:
    """A document's time back as naive UTC (what the DuckDB tables hold)."""
    if text is None:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        if isinstance(value, datetime):
            return _time(value)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)
    if kind == "json":
        return _DECODE.decode(value) if isinstance(value, str | bytes) else value
    if kind == "integer":
        return int(value)
    if kind == "double":
        return float(value)
    return str(value)


def to_document(table: str, row: tuple[Any, ...]) -> dict[str, Any]:
    """The document of one row (``None`` columns are left out, as Elasticsearch does with
    missing values)."""
    doc: dict[str, Any] = {}
    for (name, kind), value in zip(COLUMNS[table], row, strict=True):
        converted = _value(kind, value)
        if converted is not None:
            doc[name] = converted
    return doc


def document_id(*parts: str) -> str:
    """A stable ``_id`` from key parts (``crm|2026-11-25|anna``); hashed when the parts are
    longer than the 512 bytes an ``_id`` may have."""
    text = "|".join(parts)
    if len(text.encode()) <= _MAX_ID_BYTES:
        return text
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
