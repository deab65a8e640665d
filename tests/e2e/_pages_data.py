"""The events behind tests/e2e/test_console_pages.py: every number its pages show is known
from these (the docstrings say which), and the alert rules its cycle evaluates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["RULES", "api_request", "business_events", "iso", "journey_events", "recent_events"]

# The alert rules the test evaluates: every FATAL, and "any ERROR in 10 minutes" (firing).
RULES = {
    "rules": [
        {"name": "fatal", "type": "fatal", "window": "10m", "every": "1m", "late_secs": 0},
        {
            "name": "errors-present",
            "type": "threshold",
            "severity": "warning",
            "query": "log.level:ERROR",
            "above": 0,
            "window": "10m",
            "every": "1m",
            "late_secs": 0,
        },
    ]
}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def api_request(
    ts: datetime, system: str, route: str, status: int, ms: float, **extra: Any
) -> dict[str, Any]:
    return {
        "@timestamp": iso(ts),
        "event.action": "api.request",
        "service.name": system,
        "http.request.method": "POST",
        "http.route": route,
        "http.response.status_code": status,
        "http.duration_ms": ms,
        **extra,
    }


def journey_events(order: str, t0: datetime) -> list[dict[str, Any]]:
    """Eight events of one order across the six systems, in three traces; oldest first."""
    t1, t2, t3 = (uuid.uuid4().hex for _ in range(3))
    at = lambda secs: t0 + timedelta(seconds=secs)  # noqa: E731
    return [
        {
            "@timestamp": iso(at(0)),
            "event.action": "order.created",
            "service.name": "internet-shop",
            "user.name": "ivanova",
            "trace.id": t1,
            "order.id": order,
            "order.params": {"model": "vase", "quantity": 2},
        },
        api_request(at(0.2), "shop-api", "/api/orders", 201, 100.0, **{"trace.id": t1}),
        {
            "@timestamp": iso(at(5)),
            "event.action": "order.received",
            "service.name": "crm-api",
            "trace.id": t1,
            "order.id": order,
            "messaging.destination.name": "orders",
            "messaging.message.id": "m-1",
        },
        api_request(at(5.1), "crm-api", "/api/orders", 201, 5.0, **{"trace.id": t1}),
        {
            "@timestamp": iso(at(65)),
            "event.action": "order.changed",
            "service.name": "crm",
            "user.name": "seller1",
            "trace.id": t2,
            "order.id": order,
            "order.old": {"status": "new"},
            "order.new": {"status": "confirmed"},
        },
        {
            "@timestamp": iso(at(125)),
            "event.action": "order.assigned",
            "service.name": "mes",
            "user.name": "lead1",
            "trace.id": t3,
            "order.id": order,
            "order.operator": "petrov",
        },
        {
            "@timestamp": iso(at(126.5)),
            "event.action": "order.calculated",
            "service.name": "mes-api",
            "user.name": "planner-svc",
            "trace.id": t3,
            "order.id": order,
            "order.calculation_duration_ms": 1500.0,
        },
        api_request(
            at(127), "mes-api", "/api/orders/{id}/calculate", 200, 300.0, **{"trace.id": t3}
        ),
    ]


def recent_events(order: str, other: str, now: datetime) -> list[dict[str, Any]]:
    """The last hour: the journey, another order, more API calls, one ERROR, one FATAL.

    Per system in the hour: internet-shop 2 events; shop-api 10 requests taking 10, 20, …,
    100 ms, two of them 503; crm 2 (one ERROR); crm-api 5 (4 requests of 5 ms); mes 2 (one
    FATAL); mes-api 3 (requests of 300 and 100 ms)."""
    t0 = now - timedelta(minutes=8)
    other_trace = uuid.uuid4().hex
    events = journey_events(order, t0)
    events += [
        {
            "@timestamp": iso(t0 + timedelta(seconds=30)),
            "event.action": "order.created",
            "service.name": "internet-shop",
            "user.name": "ivanova",
            "trace.id": other_trace,
            "order.id": other,
            "order.params": {"model": "cup", "quantity": 1},
        },
        api_request(
            t0 + timedelta(seconds=31),
            "mes-api",
            "/api/orders",
            201,
            100.0,
            **{"trace.id": other_trace},
        ),
    ]
    for n in range(9):  # 10, 20, ..., 90 ms; the journey's call is the 100 ms one
        status = 503 if n < 2 else 200
        at = t0 + timedelta(seconds=10 + n)
        events.append(api_request(at, "shop-api", "/api/catalog", status, 10.0 * (n + 1)))
    for n in range(3):
        events.append(
            api_request(t0 + timedelta(seconds=20 + n), "crm-api", "/api/orders", 201, 5.0)
        )
    events.append(
        {
            "@timestamp": iso(now - timedelta(minutes=5)),
            "event.action": "error",
            "log.level": "ERROR",
            "service.name": "crm",
            "error.type": "DbError",
            "error.message": "connection lost",
        }
    )
    events.append(
        {
            "@timestamp": iso(now - timedelta(minutes=5)),
            "event.action": "service.failure",
            "log.level": "FATAL",
            "service.name": "mes",
            "failure.component": "printer-07",
            "failure.kind": "hardware",
            "message": "printer-07 halted: bed heater short circuit",
        }
    )
    return events


def business_events(now: datetime) -> list[dict[str, Any]]:
    """Older than the overview's hour: logins two days and one day ago (a retention cohort
    of alice, bob and carol; alice and bob come back the next day), three feedback scores
    (5, 4, 2) and two deploys (lead times 2 h and 4 h)."""
    out: list[dict[str, Any]] = []
    for days, users in ((2, ["alice", "bob", "carol"]), (1, ["alice", "bob"])):
        for n, user in enumerate(users):
            ts = now - timedelta(days=days, seconds=n)
            out.append({"@timestamp": iso(ts), "event.action": "user.logged_in",
                        "service.name": "internet-shop", "user.name": user})  # fmt: skip
    for n, score in enumerate([5, 4, 2]):
        ts = now - timedelta(hours=3) + timedelta(seconds=n)
        out.append({"@timestamp": iso(ts), "event.action": "feedback.submitted",
                    "service.name": "internet-shop", "feedback.score": score})  # fmt: skip
    for system, hours_ago, lead_hours in (("crm", 3, 2), ("mes", 4, 4)):
        ts = now - timedelta(hours=hours_ago)
        out.append(
            {
                "@timestamp": iso(ts),
                "event.action": "deploy.finished",
                "service.name": system,
                "deploy.version": f"1.{hours_ago}.0",
                "deploy.commit_time": iso(ts - timedelta(hours=lead_hours)),
            }
        )
    return out
