"""Quality: CSAT, bug rate and incident rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from logyard.analytics.metrics._model import Figure, Metric, Query, empty, figure
from logyard.analytics.metrics._sql import (
    NO_EVENTS,
    WINDOW,
    emitters,
    grouped,
    level_counts,
    per_time,
)

__all__ = ["METRICS"]


def _csat(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    reason = "no feedback in the window"
    overall, by = grouped(
        cur,
        "count(*) FILTER (WHERE score >= 4), count(*), avg(score)",
        f"FROM analytics.feedback WHERE {WINDOW}",
        q.params(),
    )

    def one(row: tuple[Any, ...] | None) -> Figure:
        if row is None:
            return empty(reason)
        happy, total, mean = int(row[0]), int(row[1]), float(row[2])
        return figure(100.0 * happy / total, total, reason, satisfied=happy, mean_score=mean)

    return one(overall), {
        s: one(r) for s, r in by.items() if s in emitters(q, "feedback.submitted")
    }


def _bug_rate(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    counts = level_counts(cur, q)

    def one(total: int, errors: int) -> Figure:
        if total == 0:
            return empty(NO_EVENTS)
        return figure(1000.0 * errors / total, total, NO_EVENTS, errors=errors)

    overall = one(sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values()))
    return overall, {s: one(c[0], c[1]) for s, c in counts.items()}


def _incident_rate(cur: duckdb.DuckDBPyConnection, q: Query) -> tuple[Figure, dict[str, Figure]]:
    by = level_counts(cur, q)
    fatals = {s: c[2] for s, c in by.items()}
    events = {s: c[0] for s, c in by.items()}
    return per_time(fatals, events, q.systems, timedelta(days=1).total_seconds(), q)


METRICS = (
    Metric(
        "csat", "Customer satisfaction (CSAT)", "%", "quality",
        "feedback.submitted with feedback.score 4 or 5 / all feedback in the window, x100",
        _csat,
    ),
    Metric(
        "bug_rate", "Bug rate", "per 1000 events", "quality",
        "ERROR events / all stored events in the window, x1000",
        _bug_rate,
    ),
    Metric(
        "incident_rate", "Incident rate", "1/d", "quality",
        "FATAL events (service.failure: service or hardware failures) per day of the window",
        _incident_rate,
    ),
)  # fmt: skip
