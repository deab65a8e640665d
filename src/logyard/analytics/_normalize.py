"""``normalize``: the analytics branch's step, one stored event → the facts it contributes.

The step reads what the store keeps (typed columns plus the JSON document) and returns
:class:`Fact` rows for the tables of :mod:`logyard.analytics._schema`. An event whose body
does not have what its action promises raises :class:`NormalizeError`;
:meth:`FactBatch.add` counts it under its reason and the rest of the batch goes on, so a
strange document never stops the branch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, NamedTuple

import msgspec

__all__ = [
    "NORMALIZED_ACTIONS",
    "ORDER_ACTIONS",
    "Fact",
    "FactBatch",
    "NormalizeError",
    "StoredEvent",
    "normalize",
]

Table = Literal["order_events", "requests", "session_events", "ops_events", "feedback"]

#: The order lifecycle actions (facts of ``order_events``; TPS counts them).
ORDER_ACTIONS: frozenset[str] = frozenset(
    {"order.created", "order.changed", "order.received", "order.assigned", "order.calculated"}
)
_OPS_ACTIONS = frozenset(
    {"service.started", "service.stopped", "service.failure", "deploy.finished"}
)
_SESSION = {"user.logged_in": "in", "user.logged_out": "out"}

#: Actions whose JSON document the step needs (the others use typed columns only).
NORMALIZED_ACTIONS: frozenset[str] = (
    ORDER_ACTIONS | _OPS_ACTIONS | {"api.request", "feedback.submitted"}
)


class StoredEvent(NamedTuple):
    """One stored event as the reader hands it over (times are naive UTC)."""

    seq: int
    ts: datetime
    event_id: str
    action: str
    system: str
    host: str | None
    user_name: str | None
    trace_id: str | None
    order_id: str | None
    doc: str | None  # only for NORMALIZED_ACTIONS


class Fact(NamedTuple):
    """One row for one fact table."""

    table: Table
    row: tuple[Any, ...]


class NormalizeError(ValueError):
    """The event's document lacks what its action needs (the message says what)."""


class _Body(msgspec.Struct, kw_only=True):
    params: dict[str, Any] | None = msgspec.field(name="order.params", default=None)
    old: dict[str, Any] | None = msgspec.field(name="order.old", default=None)
    new: dict[str, Any] | None = msgspec.field(name="order.new", default=None)
    operator: str | None = msgspec.field(name="order.operator", default=None)
    calc_ms: float | None = msgspec.field(name="order.calculation_duration_ms", default=None)
    method: str | None = msgspec.field(name="http.request.method", default=None)
    route: str | None = msgspec.field(name="http.route", default=None)
    status: int | None = msgspec.field(name="http.response.status_code", default=None)
    duration_ms: float | None = msgspec.field(name="http.duration_ms", default=None)
    retry: int = msgspec.field(name="http.retry_attempt", default=0)
    version: str | None = msgspec.field(name="service.version", default=None)
    deploy_version: str | None = msgspec.field(name="deploy.version", default=None)
    commit_time: str | None = msgspec.field(name="deploy.commit_time", default=None)
    failure_kind: str | None = msgspec.field(name="failure.kind", default=None)
    component: str | None = msgspec.field(name="failure.component", default=None)
    score: int | None = msgspec.field(name="feedback.score", default=None)


_BODY = msgspec.json.Decoder(_Body)
_JSON = msgspec.json.Encoder()


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else _JSON.encode(value).decode()


def _naive_utc(text: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise NormalizeError(f"{where}: {text!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _body(event: StoredEvent) -> _Body:
    if event.doc is None:
        raise NormalizeError(f"{event.action}: the stored document is missing")
    try:
        return _BODY.decode(event.doc)
    except msgspec.ValidationError as exc:
        raise NormalizeError(f"{event.action}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise NormalizeError(f"{event.action}: the document is not JSON ({exc})") from None


def _order(event: StoredEvent, body: _Body) -> Fact:
    if not event.order_id:
        raise NormalizeError(f"{event.action}: order.id is missing")
    status = None
    if event.action == "order.changed" and body.new is not None:
        raw = body.new.get("status")
        status = raw if isinstance(raw, str) else None
    return Fact(
        "order_events",
        (
            event.event_id, event.order_id, event.system, event.ts, event.action,
            event.user_name, body.operator, body.calc_ms, status,
            _json(body.params), _json(body.old), _json(body.new),
        ),
    )  # fmt: skip


def _request(event: StoredEvent, body: _Body) -> Fact:
    if body.status is None or body.duration_ms is None:
        raise NormalizeError(
            "api.request: http.response.status_code and http.duration_ms are required"
        )
    return Fact(
        "requests",
        (
            event.event_id, event.system, event.ts, event.trace_id, body.method, body.route,
            body.status, body.duration_ms, body.retry,
        ),
    )  # fmt: skip


def _ops(event: StoredEvent, body: _Body) -> Fact:
    commit = None
    if event.action == "deploy.finished":
        if body.commit_time is None:
            raise NormalizeError("deploy.finished: deploy.commit_time is missing")
        commit = _naive_utc(body.commit_time, "deploy.commit_time")
    return Fact(
        "ops_events",
        (
            event.event_id, event.system, event.ts, event.action, event.host,
            body.deploy_version or body.version, body.failure_kind, body.component, commit,
        ),
    )  # fmt: skip


def normalize(event: StoredEvent) -> list[Fact]:
    """The facts ``event`` contributes (none for most page views and log records)."""
    action = event.action
    facts: list[Fact] = []
    kind = _SESSION.get(action)
    if kind is not None and event.user_name:
        facts.append(
            Fact("session_events", (event.event_id, event.system, event.user_name, event.ts, kind))
        )
    if action not in NORMALIZED_ACTIONS:
        return facts
    body = _body(event)
    if action in ORDER_ACTIONS:
        facts.append(_order(event, body))
    elif action == "api.request":
        facts.append(_request(event, body))
    elif action in _OPS_ACTIONS:
        facts.append(_ops(event, body))
    elif body.score is None:
        raise NormalizeError("feedback.submitted: feedback.score is missing")
    else:
        facts.append(
            Fact("feedback", (event.event_id, event.system, event.ts, event.user_name, body.score))
        )
    return facts


@dataclass
class FactBatch:
    """The facts of a batch of events, by table, and the activity they show."""

    rows: dict[Table, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {
            "order_events": [],
            "requests": [],
            "session_events": [],
            "ops_events": [],
            "feedback": [],
        }
    )
    #: (system, user, day) -> [first, last] event time of the user that day
    activity: dict[tuple[str, str, date], list[datetime]] = field(default_factory=dict)
    events: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def add(self, event: StoredEvent) -> None:
        """Normalize ``event`` into the batch; a document that does not normalize is
        counted in ``skipped`` by its reason."""
        self.events += 1
        if event.user_name:
            key = (event.system, event.user_name, event.ts.date())
            span = self.activity.get(key)
            if span is None:
                self.activity[key] = [event.ts, event.ts]
            elif event.ts < span[0]:
                span[0] = event.ts
            elif event.ts > span[1]:
                span[1] = event.ts
        try:
            facts = normalize(event)
        except NormalizeError as exc:
            reason = str(exc)
            self.skipped[reason] = self.skipped.get(reason, 0) + 1
            return
        for fact in facts:
            self.rows[fact.table].append(fact.row)

    def __len__(self) -> int:
        return self.events
