"""LogyardHandler turns real stdlib logging records into catalogue events."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from logyard.sdk import EventLogger, LogyardHandler, MemoryTransport
from logyard.sdk.testing import capture_events


@pytest.fixture
def pylog() -> Iterator[tuple[logging.Logger, EventLogger]]:
    """A stdlib logger wired to a strict EventLogger through LogyardHandler."""
    events = EventLogger("crm", transport=MemoryTransport(), strict=True)
    logger = logging.getLogger("crm.orders")
    logger.setLevel(1)
    logger.propagate = False
    handler = LogyardHandler(events)
    logger.addHandler(handler)
    yield logger, events
    logger.removeHandler(handler)
    events.close()


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (logging.DEBUG, "DEBUG"),
        (logging.INFO, "INFO"),
        (logging.WARNING, "WARN"),
        (logging.ERROR, "ERROR"),
        (logging.CRITICAL, "FATAL"),
        (5, "TRACE"),
    ],
)
def test_levels_map_to_the_catalogue_levels(
    pylog: tuple[logging.Logger, EventLogger], level: int, expected: str
) -> None:
    """WARNING → WARN, CRITICAL → FATAL, below DEBUG → TRACE, the rest by name."""
    logger, events = pylog
    with capture_events(events) as captured:
        logger.log(level, "hello %s", "world")
    assert captured[0]["event.action"] == "log.record"
    assert captured[0].get("log.level", "INFO") == expected
    assert captured[0]["message"] == "hello world"


def test_record_name_and_extra_keys_become_logger_and_labels(
    pylog: tuple[logging.Logger, EventLogger],
) -> None:
    """log.logger is the record's logger name; extra={...} keys land in labels."""
    logger, events = pylog
    with capture_events(events) as captured:
        logger.info("order saved", extra={"order_id": "ORD-9", "attempt": 2, "when": {1, 2}})
    assert captured[0]["log.logger"] == "crm.orders"
    assert captured[0]["labels"]["order_id"] == "ORD-9"
    assert captured[0]["labels"]["attempt"] == 2
    assert sorted(captured[0]["labels"]["when"]) == [1, 2]


def test_an_exception_becomes_an_error_event_with_its_stack_trace(
    pylog: tuple[logging.Logger, EventLogger],
) -> None:
    """logger.exception emits `error` with the exception's type, message and traceback."""
    logger, events = pylog
    with capture_events(events) as captured:
        try:
            raise KeyError("ORD-404")
        except KeyError:
            logger.exception("lookup failed")
    event = captured[0]
    assert event["event.action"] == "error"
    assert (event["error.type"], event["error.message"]) == ("KeyError", "'ORD-404'")
    assert "raise KeyError" in event["error.stack_trace"]
    assert (event["message"], event["labels"]["logger"]) == ("lookup failed", "crm.orders")


def test_the_sdks_own_records_are_not_forwarded(pylog: tuple[logging.Logger, EventLogger]) -> None:
    """Records of logyard.sdk are skipped, so the SDK's failure reports cannot loop."""
    _, events = pylog
    handler = LogyardHandler(events)
    sdk_logger = logging.getLogger("logyard.sdk")
    sdk_logger.addHandler(handler)
    try:
        with capture_events(events) as captured:
            sdk_logger.warning("transport down")
    finally:
        sdk_logger.removeHandler(handler)
    assert captured == []
