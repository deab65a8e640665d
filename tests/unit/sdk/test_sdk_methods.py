"""One typed method per catalogue event, covering its body fields, each producing a valid event."""

from __future__ import annotations

import inspect
import typing
from datetime import UTC, datetime
from typing import Any

import pytest

from logyard.catalog import CATALOG, EventCodec, EventSpec
from logyard.sdk import EventLogger, MemoryTransport
from logyard.sdk._events import TypedEvents
from logyard.sdk.testing import capture_events

ENVELOPE_OPTIONS = {"message", "labels", "user_id", "user_roles", "client_ip", "level", "actor"}


def _param_name(attr: str) -> str:
    return "actor" if attr == "user_name" else attr


def _sample(annotation: Any) -> Any:
    """A valid value for a parameter annotation."""
    text = str(annotation)
    if "Literal" in text:
        return typing.get_args(annotation)[0]
    if annotation is datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)
    if annotation is float:
        return 12.5
    if annotation is int:
        return 3
    if "dict" in text:
        return {"k": "v"}
    return "x"


def test_there_is_exactly_one_method_per_catalogue_event() -> None:
    """The public methods of TypedEvents are exactly the catalogue's actions, dots → underscores."""
    methods = {
        name for name, fn in vars(TypedEvents).items() if callable(fn) and not name.startswith("_")
    }
    assert methods == {spec.method for spec in CATALOG.values()}


@pytest.mark.parametrize("spec", CATALOG.values(), ids=lambda s: s.action)
def test_each_method_takes_the_events_body_fields_as_keywords(spec: EventSpec) -> None:
    """Every parameter is keyword-only, and the body fields plus the envelope options are there."""
    params = inspect.signature(getattr(EventLogger, spec.method)).parameters
    names = [n for n in params if n != "self"]
    assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in names)
    body = {_param_name(f.attr) for f in spec.body_fields}
    assert body <= set(names)
    assert set(names) - body <= ENVELOPE_OPTIONS
    required = {n for n in names if params[n].default is inspect.Parameter.empty}
    assert required == {_param_name(f.attr) for f in spec.body_fields if f.required}


@pytest.mark.parametrize("spec", CATALOG.values(), ids=lambda s: s.action)
def test_each_method_emits_a_valid_event_of_its_action(spec: EventSpec) -> None:
    """Calling a method with valid values yields its catalogue event with the envelope filled."""
    log = EventLogger(
        spec.systems[0], version="2.0", host="h1", transport=MemoryTransport(), strict=True
    )
    fn = getattr(log, spec.method)
    hints = typing.get_type_hints(fn)
    params = inspect.signature(fn).parameters
    kwargs = {n: _sample(hints[n]) for n, p in params.items() if p.default is p.empty}
    if "status_code" in kwargs:
        kwargs["status_code"] = 200
    with capture_events(log) as events:
        fn(**kwargs)
    log.close()
    (event,) = events
    assert event["event.action"] == spec.action
    assert EventCodec().from_object(event).level == spec.level
    assert (event["service.name"], event["service.version"], event["host.name"]) == (
        spec.systems[0],
        "2.0",
        "h1",
    )
    assert event["event.id"][14] == "7"
    assert event["@timestamp"].endswith("Z")


def test_actor_and_envelope_options_land_in_their_ecs_fields() -> None:
    """actor → user.name; message, labels, user.id, user.roles, client.ip and level pass through."""
    log = EventLogger("mes", transport=MemoryTransport(), strict=True)
    with capture_events(log) as events:
        log.order_assigned(
            order_id="ORD-1",
            operator="petrov",
            actor="ivanova",
            message="assigned",
            labels={"shift": "night"},
            user_id="u-7",
            user_roles=["dispatcher"],
            client_ip="10.0.0.7",
            level="WARN",
        )
    log.close()
    expected = {
        "user.name": "ivanova",
        "order.id": "ORD-1",
        "order.operator": "petrov",
        "message": "assigned",
        "labels": {"shift": "night"},
        "user.id": "u-7",
        "user.roles": ["dispatcher"],
        "client.ip": "10.0.0.7",
        "log.level": "WARN",
    }
    assert {k: events[0][k] for k in expected} == expected


def test_the_timestamp_is_utc_milliseconds_of_the_call() -> None:
    """@timestamp is the call time in UTC, truncated to milliseconds."""
    log = EventLogger("mes", transport=MemoryTransport(), strict=True)
    before = datetime.now(UTC)
    with capture_events(log) as events:
        log.service_started()
    after = datetime.now(UTC)
    log.close()
    ts = datetime.fromisoformat(events[0]["@timestamp"])
    assert ts.microsecond % 1000 == 0
    assert before.replace(microsecond=before.microsecond // 1000 * 1000) <= ts <= after
