"""What a metric is and what it answers: :class:`Query` in, :class:`MetricResult` out.

Every metric answers for the whole selection (``value``) and per system (``by_system``).
A figure that cannot be computed — nothing in the window to compute it from — is
``{"value": null, "empty": true, "reason": "..."}``, never an error, a zero or a NaN.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from logyard.catalog import SYSTEMS
from logyard.errors import QueryError

__all__ = ["Figure", "Metric", "MetricResult", "Query", "empty", "execute", "figure", "iso"]

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class Query:
    """The window ``[time_from, time_to)`` (naive UTC) and the systems asked about."""

    time_from: datetime
    time_to: datetime
    systems: tuple[str, ...] = SYSTEMS

    def __post_init__(self) -> None:
        if self.time_to <= self.time_from:
            raise QueryError(
                f"to: {iso(self.time_to)} is not after from {iso(self.time_from)}; "
                "pass a window whose end is after its start"
            )
        unknown = [s for s in self.systems if s not in SYSTEMS]
        if unknown:
            raise QueryError(
                f"system: unknown system {unknown[0]!r}; use any of {', '.join(SYSTEMS)}"
            )

    @classmethod
    def make(
        cls,
        time_from: datetime | None,
        time_to: datetime | None,
        systems: tuple[str, ...] | None,
        default_window: timedelta,
        now: datetime | None = None,
    ) -> Query:
        """A query from optional bounds: ``to`` defaults to now, ``from`` to ``to`` minus
        the metric's default window."""
        end = _naive(time_to or now or datetime.now(UTC))
        start = _naive(time_from) if time_from is not None else end - default_window
        return cls(start, end, tuple(systems) if systems else SYSTEMS)

    @property
    def seconds(self) -> float:
        return (self.time_to - self.time_from).total_seconds()

    def params(self, **extra: Any) -> dict[str, Any]:
        """``$from``, ``$to`` and ``$systems`` for the SQL."""
        return {"from": self.time_from, "to": self.time_to, "systems": list(self.systems), **extra}


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo is not None else ts


def execute(
    cur: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> duckdb.DuckDBPyConnection:
    """Run ``sql`` with the ``params`` it names (DuckDB refuses unused ones)."""
    used = set(_PARAM.findall(sql))
    return cur.execute(sql, {k: v for k, v in params.items() if k in used})


def iso(ts: datetime) -> str:
    """RFC 3339 with milliseconds and ``Z`` of a naive UTC time."""
    return ts.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class Figure:
    """One value: for one system or for the selection."""

    value: float | None
    count: int  # how many things the value was computed from (requests, failures, users …)
    reason: str | None = None  # why it is empty
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.value is None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "empty": self.empty, "count": self.count}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.detail:
            out["detail"] = self.detail
        return out


def figure(value: float | None, count: int, reason: str, **detail: Any) -> Figure:
    """A figure; ``reason`` is kept only when ``value`` is None (or not finite)."""
    if value is not None and not math.isfinite(value):
        value = None
    if value is not None:
        value = round(float(value), 6)
        return Figure(value, count, None, detail)
    return Figure(None, count, reason, detail)


def empty(reason: str, count: int = 0) -> Figure:
    """An empty figure."""
    return Figure(None, count, reason)


Compute = Callable[[duckdb.DuckDBPyConnection, Query], tuple[Figure, dict[str, Figure]]]


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric: its name, unit, one-line definition and how it is computed."""

    name: str
    title: str
    unit: str
    family: str
    definition: str
    compute: Compute
    default_window: timedelta = timedelta(days=1)


@dataclass(slots=True)
class MetricResult:
    """A metric's answer for one query."""

    metric: Metric
    query: Query
    overall: Figure
    by_system: dict[str, Figure]
    facts_behind: int = 0  # stored events not yet folded into the analytic schema

    def to_json(self) -> dict[str, Any]:
        m = self.metric
        return {
            "name": m.name,
            "title": m.title,
            "unit": m.unit,
            "family": m.family,
            "definition": m.definition,
            "from": iso(self.query.time_from),
            "to": iso(self.query.time_to),
            "systems": list(self.query.systems),
            **self.overall.to_json(),
            "by_system": {s: f.to_json() for s, f in sorted(self.by_system.items())},
            "facts_behind": self.facts_behind,
        }
