"""The analytic schema as documents: the same columns as the DuckDB tables, mapped by kind."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from logyard.analytics._documents import (
    COLUMNS,
    TABLES,
    document_id,
    table_mappings,
    to_document,
)
from logyard.analytics._schema import create_statements

_KINDS = {
    "VARCHAR": "keyword", "TIMESTAMP": "date", "DATE": "date", "INTEGER": "integer",
    "DOUBLE": "double", "JSON": "json",
}  # fmt: skip


def test_columns_are_the_duckdb_tables() -> None:
    """Every analytic table has exactly the DuckDB table's columns, in its order, with the
    kind its SQL type maps to (the cursor excepted: it has its own index)."""
    con = duckdb.connect()
    for statement in create_statements():
        con.execute(statement)
    actual = {}
    for table in TABLES:
        rows = con.execute(f"DESCRIBE analytics.{table}").fetchall()
        actual[table] = tuple((name, _KINDS[str(kind)]) for name, kind, *_ in rows)
    con.close()
    assert actual == COLUMNS


def test_mappings_by_kind() -> None:
    """Times are dates, parameters objects kept unindexed, and nothing else may be added."""
    expected = {
        "dynamic": "strict",
        "properties": {
            "event_id": {"type": "keyword", "ignore_above": 1024},
            "system": {"type": "keyword", "ignore_above": 1024},
            "ts": {"type": "date", "format": "strict_date_optional_time||epoch_millis"},
            "user_name": {"type": "keyword", "ignore_above": 1024},
            "score": {"type": "integer"},
        },
    }
    assert expected == table_mappings("feedback")
    assert table_mappings("order_events")["properties"]["params"] == {
        "type": "object",
        "enabled": False,
    }


def test_a_row_as_a_document() -> None:
    """Times become RFC 3339 UTC with milliseconds, days ISO dates, JSON text objects; None
    columns are left out."""
    row = ("e1", "ORD-1", "crm", datetime(2026, 11, 25, 9, 0, 1, 5000), "order.created",
           "anna", None, None, None, '{"sku": "X"}', None, None)  # fmt: skip
    expected = {
        "event_id": "e1", "order_id": "ORD-1", "system": "crm",
        "ts": "2026-11-25T09:00:01.005Z", "action": "order.created", "user_name": "anna",
        "params": {"sku": "X"},
    }  # fmt: skip
    assert expected == to_document("order_events", row)
    t = datetime(2026, 11, 25, 9)
    day = to_document("activity_daily", ("crm", "anna", date(2026, 11, 25), t, t))
    assert day["day"] == "2026-11-25"


def test_document_ids_stay_within_the_limit() -> None:
    """Key parts make a readable id, hashed only past the 512 bytes an _id may have."""
    assert document_id("crm", "2026-11-25", "anna") == "crm|2026-11-25|anna"
    long = document_id("crm", "x" * 600)
    assert long.startswith("sha256:")
    assert len(long) == 7 + 64
