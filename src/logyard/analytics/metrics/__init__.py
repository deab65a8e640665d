"""The metrics of the note, computed on DuckDB from the analytic schema and the logs.

::

    with store.connection() as cur:
        result = compute(cur, "error_rate", systems=("shop-api",))
        result.to_json()   # {"name": "error_rate", "value": 0.93, "empty": false, ...}

Definitions: ``docs/metrics.md`` (and each :class:`Metric`'s ``definition``). The metrics
that are plain aggregations (:data:`CLUSTER_METRICS`) are also computed on an
Elasticsearch/OpenSearch cluster from its ``analytics-*`` indices: :func:`compute_on_cluster`.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from logyard.analytics.metrics import (
    _availability,
    _delivery,
    _performance,
    _quality,
    _reliability,
    _usage,
)
from logyard.analytics.metrics._cluster import (
    CLUSTER_METRICS,
    compute_all_on_cluster,
    compute_on_cluster,
)
from logyard.analytics.metrics._model import Figure, Metric, MetricResult, Query
from logyard.analytics.metrics._sql import shared_counts
from logyard.errors import QueryError, StoreError

__all__ = [
    "CLUSTER_METRICS",
    "METRICS",
    "Figure",
    "Metric",
    "MetricResult",
    "Query",
    "compute",
    "compute_all",
    "compute_all_on_cluster",
    "compute_on_cluster",
    "facts_behind",
]

#: Every metric by name, in the order of docs/metrics.md.
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        *_availability.METRICS,
        *_performance.METRICS,
        *_reliability.METRICS,
        *_usage.METRICS,
        *_quality.METRICS,
        *_delivery.METRICS,
    )
}


def _check_schema(cur: duckdb.DuckDBPyConnection) -> None:
    row = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'analytics' "
        "AND table_name = 'cursor'"
    ).fetchone()
    if not row or not row[0]:
        raise StoreError(
            "analytics: this database has no analytic schema yet; run `logyard up` (it "
            "builds the facts as events arrive) or `logyard analytics rebuild --data-dir DIR`"
        )


def facts_behind(cur: duckdb.DuckDBPyConnection) -> int:
    """How many stored events the analytic schema has not folded in yet (0: up to date)."""
    _check_schema(cur)
    row = cur.execute(
        "SELECT coalesce(sum(l.last - coalesce(c.seq, 0)), 0) FROM "
        "(SELECT system, max(seq) AS last FROM chain_links GROUP BY system) l "
        "LEFT JOIN analytics.cursor c ON c.system = l.system"
    ).fetchone()
    return int(row[0]) if row else 0


def _query(
    name: str,
    time_from: datetime | None,
    time_to: datetime | None,
    systems: tuple[str, ...] | None,
    now: datetime | None,
) -> tuple[Metric, Query]:
    metric = METRICS.get(name)
    if metric is None:
        raise QueryError(f"metric: unknown metric {name!r}; use one of {', '.join(METRICS)}")
    return metric, Query.make(time_from, time_to, systems, metric.default_window, now)


def compute(
    cur: duckdb.DuckDBPyConnection,
    name: str,
    *,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
    systems: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> MetricResult:
    """One metric over ``[time_from, time_to)`` (default: the metric's window up to now)."""
    metric, query = _query(name, time_from, time_to, systems, now)
    cur.begin()  # one snapshot for every query of the metric
    try:
        with shared_counts():
            lag = facts_behind(cur)
            overall, by_system = metric.compute(cur, query)
    finally:
        cur.rollback()
    return MetricResult(metric, query, overall, by_system, lag)


def compute_all(
    cur: duckdb.DuckDBPyConnection,
    *,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
    systems: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> list[MetricResult]:
    """Every metric, each over its own default window unless the bounds are given, all
    from one snapshot (so they agree with each other)."""
    queries = [_query(n, time_from, time_to, systems, now) for n in METRICS]
    cur.begin()
    try:
        with shared_counts():  # the per-system event counts several metrics need, once
            lag = facts_behind(cur)
            return [MetricResult(m, q, *m.compute(cur, q), lag) for m, q in queries]
    finally:
        cur.rollback()
