"""Tables of the DuckDB store and where each field lives in them.

One table per system (the logical index ``logs-mes`` is the table ``logs_mes``) and the view
``logs`` over all of them. Envelope fields and the body fields that queries filter or
aggregate on most are typed columns; every other field is read from ``doc``, the event's
JSON document, whose keys are flat and dotted (``doc->>'$."order.id"'``).
"""

from __future__ import annotations

from dataclasses import dataclass

from logyard.catalog import SYSTEMS
from logyard.store._fields import FieldKind, field_ref
from logyard.store._requests import query_field

__all__ = [
    "ENVELOPE_COLUMNS",
    "PROMOTED",
    "Column",
    "Params",
    "column",
    "create_schema",
    "table_name",
]

#: (column, SQL type, event field) of the envelope, in table order after ``ts``.
ENVELOPE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("ts", "TIMESTAMP", "@timestamp"),
    ("event_id", "VARCHAR", "event.id"),
    ("action", "VARCHAR", "event.action"),
    ("level", "VARCHAR", "log.level"),
    ("service", "VARCHAR", "service.name"),
    ("version", "VARCHAR", "service.version"),
    ("host", "VARCHAR", "host.name"),
    ("trace_id", "VARCHAR", "trace.id"),
    ("span_id", "VARCHAR", "span.id"),
    ("user_name", "VARCHAR", "user.name"),
    ("user_id", "VARCHAR", "user.id"),
    ("user_roles", "VARCHAR[]", "user.roles"),
    ("client_ip", "VARCHAR", "client.ip"),
    ("message", "VARCHAR", "message"),
)

#: Body fields promoted to typed columns: field -> (column, SQL type).
PROMOTED: dict[str, tuple[str, str]] = {
    "order.id": ("order_id", "VARCHAR"),
    "http.duration_ms": ("http_duration_ms", "DOUBLE"),
    "http.response.status_code": ("http_response_status_code", "INTEGER"),
    "order.calculation_duration_ms": ("order_calculation_duration_ms", "DOUBLE"),
    "order_list.fetch_duration_ms": ("order_list_fetch_duration_ms", "DOUBLE"),
}

_BY_FIELD: dict[str, str] = {f: c for c, _, f in ENVELOPE_COLUMNS} | {
    f: c for f, (c, _) in PROMOTED.items()
}


def table_name(system: str) -> str:
    """The table of a system's logical index: ``logs-internet-shop`` → ``logs_internet_shop``."""
    return "logs_" + system.replace("-", "_")


def _events_ddl(table: str) -> str:
    cols = [f"{c} {t}" for c, t, _ in ENVELOPE_COLUMNS]
    cols += [f"{c} {t}" for c, t in PROMOTED.values()]
    cols += ["doc JSON NOT NULL"]
    return f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(cols)})"


_DDL = (
    """CREATE TABLE IF NOT EXISTS dead_letters (
        id VARCHAR PRIMARY KEY, received_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL,
        reason_code VARCHAR NOT NULL, reason VARCHAR NOT NULL, path VARCHAR, step VARCHAR,
        component VARCHAR, service VARCHAR, action VARCHAR, raw BLOB NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS checkpoints (name VARCHAR PRIMARY KEY, position BIGINT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS originals (
        event_id VARCHAR NOT NULL, system VARCHAR NOT NULL, field VARCHAR NOT NULL,
        subject VARCHAR NOT NULL, envelope JSON NOT NULL, PRIMARY KEY (event_id, field))""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        at_time TIMESTAMP NOT NULL, who VARCHAR NOT NULL, role VARCHAR NOT NULL,
        action VARCHAR NOT NULL, event_id VARCHAR, detail VARCHAR)""",
)


def create_schema() -> list[str]:
    """Statements that create every table and the ``logs`` view (idempotent)."""
    tables = [table_name(s) for s in SYSTEMS]
    union = " UNION ALL ".join(f"SELECT * FROM {t}" for t in tables)
    return [
        *(_events_ddl(t) for t in tables),
        *_DDL,
        f"CREATE OR REPLACE VIEW logs AS {union}",
    ]


class Params:
    """Named query parameters: ``add(value)`` gives ``$pN`` to write into the SQL."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


@dataclass(frozen=True, slots=True)
class Column:
    """A field as an SQL expression, with its kind."""

    sql: str
    kind: FieldKind
    name: str
    typed: bool  # a real column (not extracted from ``doc``)


def _json_path(key: str, path: tuple[str, ...]) -> str:
    def quote(part: str) -> str:
        return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "$." + ".".join(quote(p) for p in (key, *path))


def column(field: str, params: Params) -> Column:
    """The SQL expression of ``field``; extraction from ``doc`` binds the path as a parameter."""
    ref = query_field(field)
    col = _BY_FIELD.get(field)
    if col is not None:
        return Column(col, ref.kind, field, True)
    path = params.add(_json_path(ref.key, ref.path))
    match ref.kind:
        case "number":
            sql = f"TRY_CAST(json_extract_string(doc, {path}) AS DOUBLE)"
        case "date":
            sql = f"TRY_CAST(json_extract_string(doc, {path}) AS TIMESTAMP)"
        case "object" | "list":
            sql = f"json_extract(doc, {path})"
        case _:
            sql = f"json_extract_string(doc, {path})"
    return Column(sql, ref.kind, field, False)


def json_exists(field: str, params: Params) -> str:
    """SQL that is true when ``doc`` has ``field``."""
    ref = field_ref(field)
    return f"json_exists(doc, {params.add(_json_path(ref.key, ref.path))})"
