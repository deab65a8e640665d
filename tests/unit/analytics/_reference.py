"""The metrics and facts computed again in plain Python from the raw simulator events.

Independent of the SQL under test: each function follows the definition in
docs/metrics.md, written the obvious way, so a test compares two implementations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from logyard.catalog import (
    ApiRequest,
    DeployFinished,
    Event,
    FeedbackSubmitted,
    OrderChanged,
    OrderCreated,
    ServiceFailure,
    ServiceStarted,
    ServiceStopped,
    UserLoggedIn,
    UserLoggedOut,
)

TIMEOUT = timedelta(minutes=30)
ORDER_ACTIONS = {"order.created", "order.changed", "order.received", "order.assigned",
                 "order.calculated"}  # fmt: skip


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def secs(self) -> float:
        return (self.end - self.start).total_seconds()

    def has(self, ts: datetime) -> bool:
        return self.start <= ts < self.end

    @property
    def days(self) -> list[date]:
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def in_window(events: Iterable[Event], w: Window) -> list[Event]:
    return [e for e in events if w.has(e.timestamp)]


def counts_by_system(events: Iterable[Event]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for e in events:
        out[e.service] += 1
    return dict(out)


# -- requests ---------------------------------------------------------------------------------
def requests(events: Iterable[Event], w: Window) -> list[ApiRequest]:
    return [e for e in events if isinstance(e, ApiRequest) and w.has(e.timestamp)]


def response_times(reqs: list[ApiRequest]) -> list[float]:
    """Per call — an attempt with retry_attempt 0 and the retries after it (same system,
    trace, method, route) — from the first attempt's start to the last attempt's end."""
    keys: dict[tuple[Any, ...], list[ApiRequest]] = defaultdict(list)
    for r in reqs:
        keys[(r.service, r.trace_id or r.event_id, r.method, r.route)].append(r)
    out = []
    for attempts in keys.values():
        chains: list[list[ApiRequest]] = []
        for r in sorted(attempts, key=lambda r: (r.timestamp, r.retry_attempt)):
            if r.retry_attempt == 0 or not chains:
                chains.append([r])
            else:
                chains[-1].append(r)
        for c in chains:  # times relative to the chain's first attempt: exact for singles
            base = ms(c[0].timestamp)
            ends = [ms(r.timestamp) - base for r in c]
            out.append(max(ends) - min(e - r.duration_ms for e, r in zip(ends, c, strict=True)))
    return out


# -- operations -------------------------------------------------------------------------------
def downtime(events: Sequence[Event], w: Window) -> dict[str, float]:
    spans: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    starts = [e for e in events if isinstance(e, ServiceStarted)]
    for stop in events:
        if not isinstance(stop, ServiceStopped) or stop.timestamp >= w.end:
            continue
        ups = [
            s.timestamp for s in starts
            if s.service == stop.service and s.host == stop.host and s.timestamp >= stop.timestamp
        ]  # fmt: skip
        up = min(ups) if ups else w.end
        a, b = max(stop.timestamp, w.start), min(up, w.end)
        if b > a:
            spans[stop.service].append((a, b))
    out = {}
    for system, intervals in spans.items():
        merged: list[list[datetime]] = []
        for a, b in sorted(intervals):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out[system] = sum((b - a).total_seconds() for a, b in merged)
    return out


def failures(events: Sequence[Event], w: Window) -> list[tuple[ServiceFailure, datetime | None]]:
    """Failures in the window with their recovery (next start before the next failure)."""
    all_failures = sorted(
        (e for e in events if isinstance(e, ServiceFailure)),
        key=lambda e: (e.timestamp, e.event_id),
    )
    starts = [e for e in events if isinstance(e, ServiceStarted)]
    out = []
    for i, f in enumerate(all_failures):
        if not w.has(f.timestamp):
            continue
        later = [g for g in all_failures[i + 1 :] if g.service == f.service]
        limit = later[0].timestamp if later else None
        ups = [
            s.timestamp for s in starts
            if s.service == f.service and s.timestamp >= f.timestamp
            and (limit is None or s.timestamp < limit)
        ]  # fmt: skip
        out.append((f, min(ups) if ups else None))
    return out


# -- sessions and activity --------------------------------------------------------------------
@dataclass(frozen=True)
class Session:
    system: str
    user: str
    login: datetime
    logout: datetime | None
    until: datetime


def sessions(events: Sequence[Event]) -> list[Session]:
    logins: dict[tuple[str, str], list[UserLoggedIn]] = defaultdict(list)
    logouts: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for e in events:
        if isinstance(e, UserLoggedIn) and e.user_name:
            logins[(e.service, e.user_name)].append(e)
        elif isinstance(e, UserLoggedOut) and e.user_name:
            logouts[(e.service, e.user_name)].append(e.timestamp)
    out = []
    for key, ins in logins.items():
        ins.sort(key=lambda e: (e.timestamp, e.event_id))
        for i, login in enumerate(ins):
            nxt = ins[i + 1].timestamp if i + 1 < len(ins) else None
            outs = [
                t for t in logouts.get(key, [])
                if t >= login.timestamp and (nxt is None or t < nxt)
            ]  # fmt: skip
            logout = min(outs) if outs else None
            if logout is not None:
                until = logout
            else:
                until = login.timestamp + TIMEOUT
                if nxt is not None:
                    until = min(until, nxt)
            out.append(Session(key[0], key[1], login.timestamp, logout, until))
    return out


def peak_concurrent(ss: Iterable[Session], w: Window) -> tuple[int, int]:
    """(peak open sessions, sessions overlapping the window)."""
    deltas = []
    for s in ss:
        if s.login < w.end and s.until > w.start:
            deltas.append((max(s.login, w.start), 1))
            deltas.append((min(s.until, w.end), -1))
    deltas.sort()
    running = peak = 0
    for _, d in deltas:
        running += d
        peak = max(peak, running)
    return peak, len(deltas) // 2


def activity(events: Iterable[Event]) -> set[tuple[str, str, date]]:
    return {(e.service, e.user_name, e.timestamp.date()) for e in events if e.user_name}


# -- orders -----------------------------------------------------------------------------------
def orders(events: Iterable[Event]) -> dict[str, dict[str, Any]]:
    """created_at, channel and first printed time per order."""
    out: dict[str, dict[str, Any]] = defaultdict(dict)
    for e in sorted(events, key=lambda e: (e.timestamp, e.event_id)):
        if isinstance(e, OrderCreated) and "created_at" not in out[e.order_id]:
            out[e.order_id].update(created_at=e.timestamp, channel=e.service, by=e.user_name)
        elif isinstance(e, OrderChanged) and e.new.get("status") == "printed":
            out[e.order_id].setdefault("printed_at", e.timestamp)
    return dict(out)


def feedback(events: Iterable[Event], w: Window) -> list[FeedbackSubmitted]:
    return [e for e in events if isinstance(e, FeedbackSubmitted) and w.has(e.timestamp)]


def deploys(events: Iterable[Event], w: Window) -> list[DeployFinished]:
    return [e for e in events if isinstance(e, DeployFinished) and w.has(e.timestamp)]


def naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None)
