"""Availability, recovery and stability: availability %, MTTR, MTTF, crash rate, peak
concurrent sessions (connection count)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from logyard.analytics.metrics._model import Figure, Metric, Query, empty, execute, figure
from logyard.analytics.metrics._sql import NO_EVENTS, event_counts, per_time

__all__ = ["METRICS", "downtime"]

_OUTAGES = """
SELECT s.system, s.ts,
  (SELECT min(u.ts) FROM analytics.ops_events u
   WHERE u.action = 'service.started' AND u.system = s.system
     AND u.host IS NOT DISTINCT FROM s.host AND u.ts >= s.ts) AS up_at
FROM analytics.ops_events s
WHERE s.action = 'service.stopped' AND s.ts < $to AND list_contains($systems, s.system)
"""

_FAILURES = """
WITH f AS (
  SELECT system, ts, failure_kind,
    lead(ts) OVER (PARTITION BY system ORDER BY ts, event_id) AS next_failure
  FROM analytics.ops_events
  WHERE action = 'service.failure' AND list_contains($systems, system)
)
SELECT f.system, f.ts, f.failure_kind,
  (SELECT min(u.ts) FROM analytics.ops_events u
   WHERE u.action = 'service.started' AND u.system = f.system AND u.ts >= f.ts
     AND (f.next_failure IS NULL OR u.ts < f.next_failure)) AS up_at
FROM f WHERE f.ts >= $from AND f.ts < $to
"""


def downtime(cur: duckdb.DuckDBPyConnection, q: Query) -> dict[str, float]:
    """Seconds of the window each asked system had an instance down: the union of the
    intervals from a ``service.stopped`` to the next ``service.started`` on the same host
    (until the window's end when none came), clipped to the window."""
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for system, down, up in execute(cur, _OUTAGES, q.params()).fetchall():
        start = max(down, q.time_from)
        end = q.time_to if up is None else min(up, q.time_to)
        if end > start:
            spans.setdefault(str(system), []).append((start, end))
    out: dict[str, float] = {}
    for system, intervals in spans.items():
        total = 0.0
        reach: datetime | None = None
        for start, end in sorted(intervals):
            if reach is not None and start < reach:
                start = reach
            if end > start:
                total += (end - start).total_seconds()
            reach = end if reach is None else max(reach, end)
        out[system] = total
    return out


def _availability(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    events = event_counts(cur, q)
    down = downtime(cur, q)
    by: dict[str, Figure] = {}
    for system in q.systems:
        if events.get(system, 0) == 0 and system not in down:
            by[system] = empty(NO_EVENTS)
            continue
        lost = down.get(system, 0.0)
        by[system] = figure(
            100.0 * (1.0 - lost / q.seconds), 1, NO_EVENTS, downtime_secs=round(lost, 3)
        )
    live = [f for f in by.values() if f.value is not None]
    if not live:
        return empty(NO_EVENTS), by
    mean = sum(f.value for f in live if f.value is not None) / len(live)
    return figure(mean, len(live), NO_EVENTS), by


def _failures(
    cur: duckdb.DuckDBPyConnection, q: Query
) -> list[tuple[str, datetime, str | None, datetime | None]]:
    return [
        (str(s), ts, kind, up) for s, ts, kind, up in execute(cur, _FAILURES, q.params()).fetchall()
    ]


def _mttr(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    rows = _failures(cur, q)
    reason = "no failure in the window was followed by a restart"

    def one(selected: list[tuple[str, datetime, str | None, datetime | None]]) -> Figure:
        repairs = [(up - ts).total_seconds() for _, ts, _, up in selected if up is not None]
        if not repairs:
            return empty(reason if selected else "no failures in the window")
        return figure(
            sum(repairs) / len(repairs),
            len(repairs),
            reason,
            failures=len(selected),
            unrecovered=len(selected) - len(repairs),
        )

    systems = sorted({r[0] for r in rows})
    return one(rows), {s: one([r for r in rows if r[0] == s]) for s in systems}


def _mttf(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    events = event_counts(cur, q)
    down = downtime(cur, q)
    failures: dict[str, int] = {}
    for system, *_ in _failures(cur, q):
        failures[system] = failures.get(system, 0) + 1
    reason = "no failures in the window"
    by: dict[str, Figure] = {}
    for system in q.systems:
        if events.get(system, 0) == 0 and system not in failures:
            by[system] = empty(NO_EVENTS)
            continue
        n = failures.get(system, 0)
        up = q.seconds - down.get(system, 0.0)
        by[system] = figure(up / n if n else None, n, reason, uptime_secs=round(up, 3))
    live = [s for s, f in by.items() if f.reason != NO_EVENTS]
    if not live:
        return empty(NO_EVENTS), by
    n = sum(failures.get(s, 0) for s in live)
    up = sum(q.seconds - down.get(s, 0.0) for s in live)
    return figure(up / n if n else None, n, reason, uptime_secs=round(up, 3)), by


def _crash_rate(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    counts: dict[str, int] = {}
    for system, _, kind, _ in _failures(cur, q):
        if kind == "software":
            counts[system] = counts.get(system, 0) + 1
    return per_time(counts, event_counts(cur, q), q.systems, 3600.0, q)


_CONCURRENT = """
WITH s AS (
  SELECT system, greatest(login_at, $from) AS a, least(open_until, $to) AS b
  FROM analytics.sessions
  WHERE login_at < $to AND open_until > $from AND list_contains($systems, system)
), d AS (
  SELECT system, a AS at_, 1 AS delta FROM s UNION ALL SELECT system, b, -1 FROM s
)
SELECT {key}, max(open_), count(*) FILTER (WHERE delta = 1) FROM (
  SELECT system, delta,
    sum(delta) OVER ({partition} ORDER BY at_, delta ROWS UNBOUNDED PRECEDING) AS open_
  FROM d
) GROUP BY {key}
"""


def _connections(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    reason = "no sessions open in the window"
    by = {
        str(s): figure(float(peak), int(n), reason)
        for s, peak, n in execute(
            cur, _CONCURRENT.format(key="system", partition="PARTITION BY system"), q.params()
        ).fetchall()
    }
    row = execute(cur, _CONCURRENT.format(key="'all'", partition=""), q.params()).fetchone()
    overall = figure(float(row[1]), int(row[2]), reason) if row else empty(reason)
    return overall, by


METRICS = (
    Metric(
        "availability", "Availability", "%", "availability",
        "100 x (1 - downtime / window); downtime = union of service.stopped -> next "
        "service.started on the same host; overall = mean over systems with data",
        _availability,
    ),
    Metric(
        "mttr", "Mean time to recovery", "s", "recovery",
        "mean of service.failure -> the system's next service.started (before its next "
        "failure), over failures in the window",
        _mttr,
    ),
    Metric(
        "mttf", "Mean time to failure", "s", "recovery",
        "(window - downtime) / service.failure events in the window",
        _mttf,
    ),
    Metric(
        "crash_rate", "Crash rate", "1/h", "stability",
        "service.failure events of failure.kind=software per hour of the window",
        _crash_rate,
    ),
    Metric(
        "connections", "Concurrent sessions (peak)", "sessions", "stability",
        "peak number of sessions open at once (login -> logout; without a logout: until the "
        "next login or 30 minutes)",
        _connections,
    ),
)  # fmt: skip
