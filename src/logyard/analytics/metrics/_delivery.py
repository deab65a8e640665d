"""Delivery: deployment frequency, lead time for changes, time to market."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from logyard.analytics.metrics._model import Figure, Metric, Query, empty, execute, figure
from logyard.analytics.metrics._sql import WINDOW, event_counts, grouped, per_time, percentiles

__all__ = ["METRICS"]

_QUANTILES = "[0.5, 0.95, 0.99]"


def _deployments(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    rows = execute(
        cur,
        "SELECT system, count(*) FROM analytics.ops_events "
        f"WHERE action = 'deploy.finished' AND {WINDOW} GROUP BY system",
        q.params(),
    ).fetchall()
    counts = {str(s): int(n) for s, n in rows}
    return per_time(counts, event_counts(cur, q), q.systems, timedelta(days=1).total_seconds(), q)


def _median_figures(
    overall: tuple[Any, ...] | None,
    by: dict[str, tuple[Any, ...]],
    reason: str,
) -> tuple[Figure, dict[str, Figure]]:
    def one(row: tuple[Any, ...] | None) -> Figure:
        if row is None or not row[1]:
            return empty(reason, 0 if row is None else int(row[1]))
        values = row[0]
        assert isinstance(values, list)
        p = percentiles(values)
        extra = {"pending": int(row[2])} if len(row) > 2 else {}
        return figure(p["p50"], int(row[1]), reason, **p, **extra)

    return one(overall), {s: one(r) for s, r in by.items()}


def _lead_time(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    overall, by = grouped(
        cur,
        f"quantile_cont((epoch_ms(ts) - epoch_ms(commit_time)) / 1000.0, {_QUANTILES}), count(*)",
        f"FROM analytics.ops_events WHERE action = 'deploy.finished' AND {WINDOW}",
        q.params(),
    )
    return _median_figures(overall, by, "no deploy.finished in the window")


def _time_to_market(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    overall, by = grouped(
        cur,
        f"quantile_cont((epoch_ms(printed_at) - epoch_ms(created_at)) / 1000.0, {_QUANTILES}) "
        "FILTER (WHERE printed_at IS NOT NULL), count(printed_at), "
        "count(*) FILTER (WHERE printed_at IS NULL)",
        "FROM (SELECT channel AS system, created_at, printed_at FROM analytics.orders "
        "WHERE created_at >= $from AND created_at < $to AND list_contains($systems, channel))",
        q.params(),
    )
    return _median_figures(overall, by, "no order created in the window is printed yet")


METRICS = (
    Metric(
        "deployment_frequency", "Deployment frequency", "1/d", "delivery",
        "deploy.finished events per day of the window",
        _deployments,
        timedelta(days=7),
    ),
    Metric(
        "lead_time", "Lead time for changes", "s", "delivery",
        "deploy.finished time - deploy.commit_time: median (p95, p99 in detail)",
        _lead_time,
        timedelta(days=7),
    ),
    Metric(
        "time_to_market", "Time to market (order to printed)", "s", "delivery",
        "per order created in the window (system = its channel): order.created -> the first "
        "order.changed to status 'printed'; median (p95, p99 in detail); unprinted = pending",
        _time_to_market,
        timedelta(days=7),
    ),
)  # fmt: skip
