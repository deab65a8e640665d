"""Performance: RPS, TPS, latency and response time (p50/p95/p99)."""

from __future__ import annotations

import duckdb

from logyard.analytics._normalize import ORDER_ACTIONS
from logyard.analytics.metrics._model import Figure, Metric, Query
from logyard.analytics.metrics._sql import (
    QUANTILES,
    WINDOW,
    counts_by_system,
    emitters,
    event_counts,
    grouped,
    per_time,
    quantile_figures,
)

__all__ = ["METRICS"]


def _rps(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    counts = counts_by_system(cur, f"FROM analytics.requests WHERE {WINDOW}", q)
    return per_time(counts, event_counts(cur, q), emitters(q, "api.request"), 1.0, q)


def _tps(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    counts = counts_by_system(cur, f"FROM analytics.order_events WHERE {WINDOW}", q)
    return per_time(counts, event_counts(cur, q), emitters(q, *ORDER_ACTIONS), 1.0, q)


def _latency(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    overall, by = grouped(
        cur,
        f"quantile_cont(duration_ms, {QUANTILES}), count(*)",
        f"FROM analytics.requests WHERE {WINDOW}",
        q.params(),
    )
    return quantile_figures(overall, by, "no requests in the window", headline="p95")


_CALLS = f"""
FROM (
  WITH r AS (
    SELECT system, coalesce(trace_id, event_id) AS k, method, route, ts, duration_ms,
      retry_attempt
    FROM analytics.requests WHERE {WINDOW}
  ), retried AS (
    SELECT DISTINCT system, k, method, route FROM r WHERE retry_attempt > 0
  ), chains AS (
    SELECT r.*, sum(CASE WHEN retry_attempt = 0 THEN 1 ELSE 0 END) OVER (
      PARTITION BY system, k, method, route ORDER BY ts, retry_attempt
      ROWS UNBOUNDED PRECEDING) AS call_no
    FROM r SEMI JOIN retried USING (system, k, method, route)
  )
  SELECT system, max(epoch_ms(ts)) - min(epoch_ms(ts) - duration_ms) AS response_ms
  FROM chains GROUP BY system, k, method, route, call_no
  UNION ALL
  SELECT system, duration_ms FROM r ANTI JOIN retried USING (system, k, method, route)
)
"""


def _response_time(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    # A call is an attempt with retry_attempt 0 and the retries after it (same system,
    # trace, method and route); only the keys that had a retry need the window function.
    overall, by = grouped(cur, f"quantile_cont(response_ms, {QUANTILES}), count(*)", _CALLS,
                          q.params())  # fmt: skip
    return quantile_figures(overall, by, "no calls in the window", headline="p95")


METRICS = (
    Metric(
        "rps", "Requests per second", "1/s", "performance",
        "api.request events in the window / window length in seconds",
        _rps,
    ),
    Metric(
        "tps", "Transactions per second", "1/s", "performance",
        "order events (created, changed, received, assigned, calculated) in the window / "
        "window length in seconds",
        _tps,
    ),
    Metric(
        "latency", "Latency", "ms", "performance",
        "http.duration_ms of each api.request attempt: p50/p95/p99 (linear interpolation); "
        "value = p95",
        _latency,
    ),
    Metric(
        "response_time", "Response time", "ms", "performance",
        "per call (an attempt with http.retry_attempt 0 and the retries after it, same "
        "system, trace, method, route): first attempt's start to last attempt's end, "
        "back-off included: p50/p95/p99; value = p95",
        _response_time,
    ),
)  # fmt: skip
