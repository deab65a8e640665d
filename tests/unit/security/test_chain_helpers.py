"""A minimal store for the chain tests: one table shaped like the store's, written as the
store writes (``INSERT ... RETURNING event_id, doc``, then the chain, in one transaction)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import duckdb

from logyard.security.chain import ChainWriter, CheckpointSigner

T0 = datetime(2026, 11, 26, 5, 0, 0)


def event(n: int, system: str = "mes", **extra: Any) -> str:
    """A flat ECS-style event as the store holds it."""
    doc = {
        "@timestamp": (T0 + timedelta(seconds=n)).isoformat() + "Z",
        "event.id": f"{system}-{n:04d}",
        "event.action": "order.assigned",
        "service.name": system,
        "message": f"order ORD-{n} assigned to line 3",
        "order.id": f"ORD-{n}",
        **extra,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def open_db(signer: CheckpointSigner, **options: Any) -> tuple[Any, ChainWriter]:
    """An in-memory database with the tables of two systems and a chain writer."""
    conn = duckdb.connect()
    for table in ("logs_mes", "logs_shop_api"):
        conn.execute(f"CREATE TABLE {table} (ts TIMESTAMP, event_id VARCHAR, doc JSON NOT NULL)")
    return conn, ChainWriter.open(conn, signer, **options)


def store(
    conn: Any,
    chain: ChainWriter,
    system: str,
    docs: list[str],
    now: datetime | None = None,
    *,
    fail: bool = False,
) -> int:
    """Append ``docs`` to ``system`` and chain them, in one transaction, as the store does;
    ``fail`` makes the transaction fail after the chain is extended."""
    table = "logs_" + system.replace("-", "_")
    cur = conn.cursor()
    cur.begin()
    try:
        rows = cur.execute(
            f"INSERT INTO {table} SELECT CAST(json_extract_string(doc, '$.\"@timestamp\"') "
            "AS TIMESTAMP), json_extract_string(doc, '$.\"event.id\"'), doc "
            "FROM (SELECT unnest($docs) AS doc) s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.event_id = "
            "json_extract_string(s.doc, '$.\"event.id\"')) RETURNING event_id, doc",
            {"docs": docs},
        ).fetchall()
        chain.record(cur, system, rows, now=now or T0 + timedelta(minutes=1))
        if fail:
            raise RuntimeError("the write failed before commit")
        cur.commit()
    except BaseException:
        cur.rollback()
        chain.reload(cur)
        raise
    finally:
        cur.close()
    return len(rows)
