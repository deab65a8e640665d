"""Reliability: error rate, success rate, retry rate (shares of API request attempts)."""

from __future__ import annotations

from typing import Any

import duckdb

from logyard.analytics.metrics._model import Compute, Figure, Metric, Query, empty, figure
from logyard.analytics.metrics._sql import WINDOW, grouped

__all__ = ["METRICS"]

_NONE = "no api.request events in the window"


def _share(condition: str) -> Compute:
    def compute(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
        overall, by = grouped(
            cur,
            f"count(*) FILTER (WHERE {condition}), count(*)",
            f"FROM analytics.requests WHERE {WINDOW}",
            q.params(),
        )

        def one(row: tuple[Any, ...] | None) -> Figure:
            if row is None:
                return empty(_NONE)
            hits, total = int(row[0]), int(row[1])
            return figure(100.0 * hits / total, total, _NONE, matching=hits)

        return one(overall), {s: one(r) for s, r in by.items()}

    return compute


METRICS = (
    Metric(
        "error_rate", "Error rate", "%", "reliability",
        "api.request attempts answered 5xx / all attempts, x100",
        _share("status >= 500"),
    ),
    Metric(
        "success_rate", "Success rate", "%", "reliability",
        "api.request attempts answered 1xx-3xx / all attempts, x100 (4xx are neither)",
        _share("status < 400"),
    ),
    Metric(
        "retry_rate", "Retry rate", "%", "reliability",
        "api.request attempts with http.retry_attempt > 0 / all attempts, x100",
        _share("retry_attempt > 0"),
    ),
)  # fmt: skip
