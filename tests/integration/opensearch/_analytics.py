"""Helpers of the analytics tests on osmem-server: both sinks' tables as comparable rows."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from logyard.analytics._documents import COLUMNS, index_of, parse_time
from logyard.store.duckdb import DuckDBStore
from logyard.store.opensearch._client import ClientSettings, ClusterClient

__all__ = ["KEYS", "cluster_rows", "duckdb_rows"]

#: The key columns of each table (rows are compared sorted by them).
KEYS = {
    "order_events": 1, "requests": 1, "session_events": 1, "ops_events": 1, "feedback": 1,
    "orders": 1, "sessions": 1, "activity_daily": 3,
}  # fmt: skip


def _cell(kind: str, name: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        if name == "day":
            return date.fromisoformat(str(value)[:10])
        return parse_time(value) if isinstance(value, str) else value
    if kind == "json":
        return json.loads(value) if isinstance(value, str) else value
    if kind == "double":
        return float(value)
    return value


def _normal(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_cell(kind, name, v) for (name, kind), v in zip(COLUMNS[table], row, strict=True))


def duckdb_rows(store: DuckDBStore, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``analytics.<table>``, normalized and sorted."""
    names = ", ".join(name for name, _ in COLUMNS[table])
    with store.connection() as cur:
        rows = cur.execute(f"SELECT {names} FROM analytics.{table}").fetchall()
    return sorted((_normal(table, r) for r in rows), key=repr)


def cluster_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    """Every document of ``analytics-<table>`` as a normalized row, sorted."""
    client = ClusterClient(ClientSettings(urls=(url,)))
    try:
        client.request("POST", f"/{index_of(table)}/_refresh")
        resp = client.request(
            "POST", f"/{index_of(table)}/_search", body={"size": 10_000, "query": {"match_all": {}}}
        )
        assert resp.ok, resp
        hits = resp.body["hits"]["hits"]
        assert len(hits) < 10_000, "more documents than one page; use a smaller data set"
    finally:
        client.close()
    rows = [tuple(h["_source"].get(name) for name, _ in COLUMNS[table]) for h in hits]
    return sorted((_normal(table, r) for r in rows), key=repr)
