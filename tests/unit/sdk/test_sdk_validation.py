"""Strict mode raises naming event and field; lenient mode counts, logs, and never raises."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from logyard.sdk import EventLogger, InvalidEventError, MemoryTransport


def test_strict_mode_raises_naming_the_event_and_the_field() -> None:
    """A mistyped field raises InvalidEventError whose message and path name it."""
    log = EventLogger("mes", transport=MemoryTransport(), strict=True)
    bad: Any = 5
    with pytest.raises(InvalidEventError) as info:
        log.order_assigned(order_id=bad, operator="petrov", actor="ivanova")
    log.close()
    assert (info.value.code, info.value.path) == ("invalid_field", "$.order.id")
    assert str(info.value).startswith("order.assigned: Expected `str`, got `int`")


def test_strict_mode_refuses_an_event_the_service_does_not_emit() -> None:
    """order.assigned belongs to mes; a crm logger raises wrong_system on service.name."""
    log = EventLogger("crm", transport=MemoryTransport(), strict=True)
    with pytest.raises(InvalidEventError) as info:
        log.order_assigned(order_id="ORD-1", operator="petrov", actor="ivanova")
    log.close()
    assert (info.value.code, info.value.path) == ("wrong_system", "$.service.name")


def test_lenient_mode_counts_invalid_events_by_reason_and_logs_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Invalid events never raise: they are counted by code and reported on logyard.sdk."""
    transport = MemoryTransport()
    log = EventLogger("mes", transport=transport)
    bad: Any = -1.0
    with caplog.at_level(logging.WARNING, logger="logyard.sdk"):
        log.order_list_viewed(actor="ivanova", filter={}, fetch_duration_ms=bad, rows=3)
        log.api_request(method="GET", route="/", status_code=200, duration_ms=1.0)
        log.order_assigned(order_id="ORD-1", operator="petrov", actor="ivanova")
        assert log.flush(5)
    log.close()
    stats = log.stats()
    assert stats.invalid == {"invalid_field": 1, "wrong_system": 1}
    assert (stats.emitted, stats.sent) == (3, 1)
    assert [e["order.id"] for e in transport.events] == ["ORD-1"]
    assert any("order_list.fetch_duration_ms" in r.getMessage() for r in caplog.records)


def test_unencodable_label_values_are_counted_not_raised() -> None:
    """A label value JSON cannot represent is counted as `unencodable`."""
    log = EventLogger("mes", transport=MemoryTransport())
    log.service_started(labels={"obj": object()})
    assert log.flush(5)
    log.close()
    assert log.stats().invalid == {"unencodable": 1}
