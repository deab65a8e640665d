"""The derived rows (``orders``, ``sessions``) computed in Python from their facts, with the
same definitions as the DuckDB sink's SQL (``_ORDERS_SQL``, ``_SESSIONS_SQL`` in
:mod:`logyard.analytics._sink`): a cluster has no SQL to recompute them, so the
OpenSearch sink reads an order's (a user's) facts back and calls these. A test computes
both on the same simulated days and requires equal rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from logyard.analytics._schema import SESSION_TIMEOUT_MINUTES

__all__ = ["OrderFact", "SessionFact", "order_row", "session_rows"]

_TIMEOUT = timedelta(minutes=SESSION_TIMEOUT_MINUTES)


class OrderFact(NamedTuple):
    """The columns of an ``order_events`` row the ``orders`` row needs."""

    event_id: str
    system: str
    ts: datetime
    action: str
    user_name: str | None
    operator: str | None
    calculation_ms: float | None
    status: str | None


class SessionFact(NamedTuple):
    """A ``session_events`` row of one (system, user)."""

    event_id: str
    ts: datetime
    kind: str


def _ms(ts: datetime) -> int:
    """DuckDB's ``epoch_ms``: whole milliseconds since the epoch (naive UTC)."""
    delta = ts - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _diff_ms(end: datetime | None, start: datetime | None) -> float | None:
    if end is None or start is None:
        return None
    return float(_ms(end) - _ms(start))


def order_row(order_id: str, facts: list[OrderFact]) -> tuple[Any, ...]:
    """The ``orders`` row of ``order_id`` from all of its facts (columns of the table)."""
    asc = sorted(facts, key=lambda f: (f.ts, f.event_id))
    desc = asc[::-1]
    created = [f for f in asc if f.action == "order.created"]
    received = [f.ts for f in asc if f.action == "order.received"]
    assigned = [f for f in desc if f.action == "order.assigned"]
    calculated = [f for f in desc if f.action == "order.calculated"]
    with_status = [f for f in desc if f.status is not None]
    printed = [f.ts for f in asc if f.status == "printed"]
    status = with_status[0].status if with_status else ("new" if created else None)
    created_at = created[0].ts if created else None
    calculated_at = calculated[-1].ts if calculated else None
    return (
        order_id,
        created[0].system if created else None,
        created_at,
        created[0].user_name if created else None,
        sum(1 for f in asc if f.action == "order.changed"),
        status,
        min(received) if received else None,
        assigned[0].operator if assigned else None,
        assigned[0].ts if assigned else None,
        calculated[0].calculation_ms if calculated else None,
        calculated_at,
        _diff_ms(calculated_at, created_at),
        min(printed) if printed else None,
        asc[-1].ts,
    )


def session_rows(system: str, user: str, facts: list[SessionFact]) -> list[tuple[Any, ...]]:
    """The ``sessions`` rows of one user in one system (one per login)."""
    logins = sorted((f for f in facts if f.kind == "in"), key=lambda f: (f.ts, f.event_id))
    outs = sorted(f.ts for f in facts if f.kind == "out")
    rows = []
    for i, login in enumerate(logins):
        nxt = logins[i + 1].ts if i + 1 < len(logins) else None
        logout = next(
            (t for t in outs if t >= login.ts and (nxt is None or t < nxt)),
            None,
        )
        timeout = login.ts + _TIMEOUT
        open_until = logout if logout is not None else min(timeout, nxt or timeout)
        duration = _diff_ms(logout, login.ts)
        rows.append((login.event_id, system, user, login.ts, logout, duration, nxt, open_until))
    return rows
