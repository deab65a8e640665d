"""capture_events(): the test helper users get, as structlog's capture_logs."""

from __future__ import annotations

from logyard.sdk import EventLogger, MemoryTransport
from logyard.sdk.testing import capture_events


def test_capture_records_events_as_dicts_instead_of_sending() -> None:
    """Inside the block events are captured in order as JSON dicts and not delivered."""
    transport = MemoryTransport()
    log = EventLogger("mes", transport=transport)
    with capture_events() as events:
        log.user_logged_in(actor="ivanova")
        log.user_logged_out(actor="ivanova")
    assert log.flush(5)
    log.close()
    assert [e["event.action"] for e in events] == ["user.logged_in", "user.logged_out"]
    assert transport.batches == []


def test_capture_ends_with_the_block_and_covers_loggers_created_inside() -> None:
    """A logger created in the block is captured; after the block events flow normally."""
    transport = MemoryTransport()
    with capture_events() as events:
        log = EventLogger("crm", transport=transport)
        log.service_started()
    log.service_stopped()
    assert log.flush(5)
    log.close()
    assert [e["event.action"] for e in events] == ["service.started"]
    assert [e["event.action"] for e in transport.events] == ["service.stopped"]


def test_nested_captures_each_see_their_own_block() -> None:
    """An inner capture_events takes the events of its block; the outer resumes afterwards."""
    log = EventLogger("mes", transport=MemoryTransport())
    with capture_events() as outer:
        log.service_started()
        with capture_events() as inner:
            log.service_failure(component="press-4", kind="hardware")
        log.service_stopped()
    log.close()
    assert [e["event.action"] for e in outer] == ["service.started", "service.stopped"]
    assert [e["event.action"] for e in inner] == ["service.failure"]
