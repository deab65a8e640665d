"""Hand-built events in a real DuckDB store, and rule sets from dicts, for the alerting tests.

Time is fixed: ``T0`` is 2026-11-26 10:00 UTC; ``at(s)`` is ``s`` seconds after it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from logyard.alerting import AlertService, AlertState, Notification, RuleSet, rules_from_dict
from logyard.catalog import (
    ApiRequest,
    ErrorEvent,
    Event,
    OrderCalculated,
    OrderReceived,
    ServiceFailure,
    System,
)
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore

__all__ = [
    "T0",
    "Recorder",
    "api",
    "at",
    "calc",
    "error",
    "fatal",
    "received",
    "ruleset",
    "service",
    "write",
]

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(secs: float) -> datetime:
    return T0 + timedelta(seconds=secs)


def _id() -> str:
    return f"ev{next(_ids):08d}"


def api(
    secs: float,
    system: System = "mes-api",
    status: int = 200,
    *,
    ms: float = 40.0,
    route: str = "/api/orders",
    ip: str | None = None,
    user: str | None = None,
) -> ApiRequest:
    return ApiRequest(
        timestamp=at(secs), event_id=_id(), service=system, method="POST", route=route,
        status_code=status, duration_ms=ms, client_ip=ip, user_name=user,
    )  # fmt: skip


def calc(secs: float, ms: float) -> OrderCalculated:
    return OrderCalculated(
        timestamp=at(secs), event_id=_id(), service="mes-api", user_name="planner-svc",
        order_id=f"ORD-{next(_ids)}", calculation_duration_ms=ms,
    )  # fmt: skip


def received(secs: float) -> OrderReceived:
    return OrderReceived(
        timestamp=at(secs), event_id=_id(), service="crm-api", order_id=f"ORD-{next(_ids)}",
        queue="orders.incoming", message_id=_id(),
    )  # fmt: skip


def error(secs: float, system: System, kind: str, message: str) -> ErrorEvent:
    return ErrorEvent(
        timestamp=at(secs), event_id=_id(), service=system, error_type=kind,
        error_message=message, message=f"{kind}: {message}",
    )  # fmt: skip


def fatal(
    secs: float, system: System = "mes", message: str = "printer-07 halted"
) -> ServiceFailure:
    return ServiceFailure(
        timestamp=at(secs), event_id=_id(), service=system, component="printer-07",
        kind="hardware", message=message,
    )  # fmt: skip


def write(store: DuckDBStore, events: list[Event]) -> None:
    store.write(WriteBatch(events=events))


def ruleset(*rules: dict[str, Any], **settings: Any) -> RuleSet:
    """Rules plus one webhook notifier named ``rec`` that every rule notifies (tests swap
    in a :class:`Recorder` for it)."""
    return rules_from_dict(
        {
            "settings": {"notify": ["rec"], **settings},
            "notifiers": {"rec": {"type": "webhook", "url": "http://127.0.0.1:9/unused"}},
            "rules": list(rules),
        }
    )


class Recorder:
    """A notifier that keeps what it was asked to send (the HTTP and SMTP notifiers are
    tested against real receivers in tests/integration/alerting)."""

    name = "rec"

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        self.sent.append(notification)

    def seen(self) -> list[tuple[str, str, str]]:
        return [(n.status, n.rule, n.group) for n in self.sent]


def service(
    rules: RuleSet, store: DuckDBStore, state_path: Path, recorder: Recorder
) -> AlertService:
    return AlertService(rules, store, AlertState(state_path), notifiers={"rec": recorder})
