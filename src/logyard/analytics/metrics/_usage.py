"""Usage: DAU, MAU and retention by cohort, from ``analytics.activity_daily``.

A user is a ``user.name`` seen on any event of a system; days are UTC calendar days, and
a window covers every day it overlaps.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from logyard.analytics.metrics._model import Figure, Metric, Query, empty, execute, figure

__all__ = ["METRICS", "window_days"]

_NONE = "no user activity in the window"
_DAYS = "day >= $d0 AND day <= $d1 AND list_contains($systems, system)"


def window_days(q: Query) -> tuple[date, date]:
    """The first and last UTC day the window overlaps."""
    return q.time_from.date(), (q.time_to - timedelta(microseconds=1)).date()


def _params(q: Query) -> dict[str, object]:
    d0, d1 = window_days(q)
    return {"d0": d0, "d1": d1, "systems": list(q.systems)}


def _dau(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    d0, d1 = window_days(q)
    ndays = (d1 - d0).days + 1
    rows = execute(
        cur,
        "SELECT GROUPING(system), system, day, count(DISTINCT user_name) "
        f"FROM analytics.activity_daily WHERE {_DAYS} "
        "GROUP BY GROUPING SETS ((system, day), (day))",
        _params(q),
    ).fetchall()
    series: dict[str | None, dict[date, int]] = {}
    for total, system, day, users in rows:
        series.setdefault(None if total else str(system), {})[day] = int(users)

    def one(days: dict[date, int] | None) -> Figure:
        if not days:
            return empty(_NONE)
        daily = [days.get(d0 + timedelta(days=i), 0) for i in range(ndays)]
        return figure(
            sum(daily) / ndays,
            ndays,
            _NONE,
            series={(d0 + timedelta(days=i)).isoformat(): n for i, n in enumerate(daily)},
        )

    by = {s: one(days) for s, days in series.items() if s is not None}
    return one(series.get(None)), by


def _mau(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    rows = execute(
        cur,
        "SELECT GROUPING(system), system, count(DISTINCT user_name) "
        f"FROM analytics.activity_daily WHERE {_DAYS} GROUP BY GROUPING SETS ((system), ())",
        _params(q),
    ).fetchall()
    by: dict[str, Figure] = {}
    overall = empty(_NONE)
    for total, system, users in rows:
        f = figure(float(users), int(users), _NONE) if users else empty(_NONE)
        if total:
            overall = f
        else:
            by[str(system)] = f
    return overall, by


_COHORTS = """
WITH firsts AS (
  SELECT system, user_name, min(day) AS cohort FROM analytics.activity_daily
  WHERE list_contains($systems, system) GROUP BY system, user_name
), c AS (SELECT * FROM firsts WHERE cohort >= $d0 AND cohort <= $d1)
SELECT GROUPING(c.system), c.system, c.cohort, datediff('day', c.cohort, a.day) AS k, count(*)
FROM c JOIN analytics.activity_daily a ON a.system = c.system AND a.user_name = c.user_name
WHERE a.day <= $d1
GROUP BY GROUPING SETS ((c.system, c.cohort, k), (c.cohort, k))
"""


def _retention(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    _, d1 = window_days(q)
    tables: dict[str | None, dict[date, dict[int, int]]] = {}
    for total, system, cohort, k, n in execute(cur, _COHORTS, _params(q)).fetchall():
        key = None if total else str(system)
        tables.setdefault(key, {}).setdefault(cohort, {})[int(k)] = int(n)
    reason = "no cohort in the window has an observable day 1"

    def one(cohorts: dict[date, dict[int, int]] | None) -> Figure:
        if not cohorts:
            return empty(_NONE)
        rows = []
        size1 = kept1 = 0
        for cohort in sorted(cohorts):
            counts = cohorts[cohort]
            span = (d1 - cohort).days
            size = counts.get(0, 0)
            retained = [counts.get(k, 0) for k in range(span + 1)]
            rows.append(
                {
                    "cohort": cohort.isoformat(),
                    "users": size,
                    "retained": retained,
                    "rates": [round(100.0 * n / size, 3) for n in retained],
                }
            )
            if span >= 1:
                size1 += size
                kept1 += counts.get(1, 0)
        value = 100.0 * kept1 / size1 if size1 else None
        return figure(value, size1, reason, cohorts=rows)

    by = {s: one(c) for s, c in tables.items() if s is not None}
    return one(tables.get(None)), by


METRICS = (
    Metric(
        "dau", "Daily active users", "users", "usage",
        "distinct user.name active per UTC day; value = mean over the days the window "
        "overlaps (days without activity count 0)",
        _dau,
    ),
    Metric(
        "mau", "Monthly active users", "users", "usage",
        "distinct user.name active on the days the window overlaps (default window: 30 days)",
        _mau,
        timedelta(days=30),
    ),
    Metric(
        "retention", "Day-1 retention by cohort", "%", "usage",
        "cohort = users by the UTC day of their first activity in a system; value = users "
        "active again the next day / cohort users, over cohorts whose next day is in the "
        "window; the table has every day's rate",
        _retention,
        timedelta(days=30),
    ),
)  # fmt: skip
