"""Delivery: deployment frequency, lead time for changes, time to market."""

from __future__ import annotations

from datetime import timedelta

import duckdb

from logyard.analytics.metrics._model import Figure, Metric, Query
from logyard.analytics.metrics._sql import (
    QUANTILES,
    WINDOW,
    counts_by_system,
    event_counts,
    grouped,
    per_time,
    quantile_figures,
)

__all__ = ["METRICS"]


def _deployments(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    counts = counts_by_system(
        cur, f"FROM analytics.ops_events WHERE action = 'deploy.finished' AND {WINDOW}", q
    )
    return per_time(counts, event_counts(cur, q), q.systems, timedelta(days=1).total_seconds(), q)


def _lead_time(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    overall, by = grouped(
        cur,
        f"quantile_cont((epoch_ms(ts) - epoch_ms(commit_time)) / 1000.0, {QUANTILES}), count(*)",
        f"FROM analytics.ops_events WHERE action = 'deploy.finished' AND {WINDOW}",
        q.params(),
    )
    return quantile_figures(overall, by, "no deploy.finished in the window", headline="p50")


def _time_to_market(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    overall, by = grouped(
        cur,
        f"quantile_cont((epoch_ms(printed_at) - epoch_ms(created_at)) / 1000.0, {QUANTILES}) "
        "FILTER (WHERE printed_at IS NOT NULL), count(printed_at), "
        "count(*) FILTER (WHERE printed_at IS NULL)",
        "FROM (SELECT channel AS system, created_at, printed_at FROM analytics.orders "
        "WHERE created_at >= $from AND created_at < $to AND list_contains($systems, channel))",
        q.params(),
    )
    return quantile_figures(
        overall, by, "no order created in the window is printed yet", headline="p50"
    )


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
