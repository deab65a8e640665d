"""SQL shared by the metric families: stored-event counts, per-system grouping, rates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import duckdb

from logyard.analytics.metrics._model import Figure, Query, empty, execute, figure
from logyard.catalog import CATALOG

__all__ = [
    "NO_EVENTS",
    "QUANTILES",
    "WINDOW",
    "counts_by_system",
    "emitters",
    "event_counts",
    "grouped",
    "level_counts",
    "per_time",
    "percentiles",
    "quantile_figures",
    "shared_counts",
]

#: The filter of a fact table's rows on the query (``ts`` and ``system`` columns).
WINDOW = "ts >= $from AND ts < $to AND list_contains($systems, system)"
NO_EVENTS = "no stored events in the window"
#: The ``quantile_cont`` list that :func:`percentiles` reads.
QUANTILES = "[0.5, 0.95, 0.99]"


def emitters(q: Query, *actions: str) -> tuple[str, ...]:
    """The asked systems that the catalogue lets emit any of ``actions``."""
    able = {s for a in actions for s in CATALOG[a].systems}
    return tuple(s for s in q.systems if s in able)


#: Per system: (stored events, ERROR events, FATAL events).
LevelCounts = dict[str, tuple[int, int, int]]

_COUNTS: ContextVar[dict[tuple[Any, ...], LevelCounts] | None] = ContextVar(
    "metric_counts", default=None
)


@contextmanager
def shared_counts() -> Iterator[None]:
    """Within the block (one snapshot), :func:`level_counts` scans ``logs`` once per
    window (for :func:`event_counts`, bug rate and incident rate alike)."""
    token = _COUNTS.set({})
    try:
        yield
    finally:
        _COUNTS.reset(token)


def level_counts(cur: duckdb.DuckDBPyConnection, q: Query) -> LevelCounts:
    """Per system with stored events in the window: (events, ERROR events, FATAL events),
    from one scan of the logs themselves."""
    cache = _COUNTS.get()
    key = (q.time_from, q.time_to, q.systems)
    if cache is not None and key in cache:
        return cache[key]
    rows = execute(
        cur,
        "SELECT service, count(*), count(*) FILTER (WHERE level = 'ERROR'), "
        "count(*) FILTER (WHERE level = 'FATAL') FROM logs WHERE ts >= $from AND ts < $to "
        "AND list_contains($systems, service) GROUP BY service",
        q.params(),
    ).fetchall()
    counts = {str(s): (int(n), int(e), int(f)) for s, n, e, f in rows}
    if cache is not None:
        cache[key] = counts
    return counts


def event_counts(cur: duckdb.DuckDBPyConnection, q: Query) -> dict[str, int]:
    """Stored events per system in the window (from the logs themselves)."""
    return {s: c[0] for s, c in level_counts(cur, q).items()}


def grouped(
    cur: duckdb.DuckDBPyConnection, select: str, rest: str, params: dict[str, Any]
) -> tuple[tuple[Any, ...] | None, dict[str, tuple[Any, ...]]]:
    """``SELECT <select> <rest> GROUP BY GROUPING SETS ((system), ())``: the overall row
    and each system's row (values only); no row where nothing matched."""
    rows = execute(
        cur,
        f"SELECT GROUPING(system) AS total_, system, count(*) AS rows_, {select} {rest} "
        "GROUP BY GROUPING SETS ((system), ())",
        params,
    ).fetchall()
    overall = None
    by_system: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        if not row[2]:
            continue  # the total of no rows at all
        if row[0]:
            overall = tuple(row[3:])
        else:
            by_system[str(row[1])] = tuple(row[3:])
    return overall, by_system


def per_time(
    counts: dict[str, int],
    events: dict[str, int],
    systems: Iterable[str],
    unit_secs: float,
    q: Query,
) -> tuple[Figure, dict[str, Figure]]:
    """``counts`` per unit of time (``unit_secs``) over the window, for the systems with
    stored events in it; empty where a system stored nothing."""
    units = q.seconds / unit_secs
    by_system = {}
    for system in systems:
        if events.get(system, 0) == 0:
            by_system[system] = empty(NO_EVENTS)
        else:
            n = counts.get(system, 0)
            by_system[system] = figure(n / units, n, NO_EVENTS)
    live = [s for s, f in by_system.items() if not f.empty]
    if not live:
        return empty(NO_EVENTS), by_system
    total = sum(counts.get(s, 0) for s in live)
    return figure(total / units, total, NO_EVENTS), by_system


def percentiles(values: list[float] | None) -> dict[str, float | None]:
    """``{"p50": …, "p95": …, "p99": …}`` from DuckDB's ``quantile_cont`` list."""
    if values is None:
        return {"p50": None, "p95": None, "p99": None}
    return {k: round(float(v), 6) for k, v in zip(("p50", "p95", "p99"), values, strict=True)}


def counts_by_system(cur: duckdb.DuckDBPyConnection, source: str, q: Query) -> dict[str, int]:
    """Rows per system of ``source`` (``FROM <table> WHERE <condition>``)."""
    rows = execute(cur, f"SELECT system, count(*) {source} GROUP BY system", q.params())
    return {str(s): int(n) for s, n in rows.fetchall()}


def quantile_figures(
    overall: tuple[Any, ...] | None,
    by: dict[str, tuple[Any, ...]],
    reason: str,
    *,
    headline: str,
) -> tuple[Figure, dict[str, Figure]]:
    """Figures of :func:`grouped` rows ``(quantile_cont(x, QUANTILES), count[, pending])``:
    the ``headline`` percentile (``"p50"``, ``"p95"``) as the value, p50/p95/p99 (and
    ``pending`` when the row has it) in detail; ``reason`` when the count is 0."""

    def one(row: tuple[Any, ...] | None) -> Figure:
        if row is None or not row[1]:
            return empty(reason, 0 if row is None else int(row[1]))
        values = row[0]
        assert isinstance(values, list)
        p = percentiles(values)
        extra = {"pending": int(row[2])} if len(row) > 2 else {}
        return figure(p[headline], int(row[1]), reason, **p, **extra)

    return one(overall), {s: one(r) for s, r in by.items()}
