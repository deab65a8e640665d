"""Reading newly stored events from the DuckDB store, in hash-chain order.

The store chains every event it stores (``chain_links``: system, ``seq`` 1, 2, … per
system, event id) in the same transaction as the event itself, so ``seq`` is a stable,
gap-free, monotonically increasing cursor per system: "everything after position N" is
exactly the events stored since. An event whose row is gone (retention moved it to an
archive) still advances the cursor, so it never stalls.
"""

from __future__ import annotations

import duckdb

from logyard.analytics._normalize import NORMALIZED_ACTIONS, StoredEvent
from logyard.store.duckdb._schema import table_name

__all__ = ["read_after"]

_ACTIONS = sorted(NORMALIZED_ACTIONS)


def read_after(
    cur: duckdb.DuckDBPyConnection, system: str, after: int, limit: int
) -> tuple[list[StoredEvent], int]:
    """Up to ``limit`` events of ``system`` stored after chain position ``after``, and the
    position of the last one read (``after`` when there is none)."""
    rows = cur.execute(
        f"""
        SELECT l.seq, t.ts, l.event_id, t.action, t.service, t.host, t.user_name, t.trace_id,
          t.order_id, CASE WHEN list_contains($actions, t.action) THEN CAST(t.doc AS VARCHAR) END
        FROM (SELECT seq, event_id FROM chain_links
              WHERE system = $system AND seq > $after ORDER BY seq LIMIT $limit) l
        LEFT JOIN {table_name(system)} t ON t.event_id = l.event_id
        ORDER BY l.seq
        """,
        {"actions": _ACTIONS, "system": system, "after": after, "limit": limit},
    ).fetchall()
    if not rows:
        return [], after
    events = [StoredEvent(*row) for row in rows if row[1] is not None]
    return events, int(rows[-1][0])
