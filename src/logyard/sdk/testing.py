"""Helpers for testing code that emits logyard events.

::

    from logyard.sdk.testing import capture_events

    def test_assigning_logs_the_operator():
        with capture_events() as events:
            assign("ORD-1", to="petrov")
        assert events[0]["order.operator"] == "petrov"

Inside the block every logger (existing or created there) records its events,
finished and validated, as JSON dicts instead of sending them. A strict logger still
raises on an invalid event; a lenient one counts it and leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from logyard.catalog import Event
from logyard.sdk._logger import CAPTURES, LIVE, EventLogger
from logyard.sdk._transport import MemoryTransport

__all__ = ["MemoryTransport", "capture_events"]


@contextmanager
def capture_events(*loggers: EventLogger) -> Iterator[list[dict[str, Any]]]:
    """Record the events of ``loggers`` (default: every logger) as dicts, in order."""
    sink: list[dict[str, Any]] = []
    started: list[tuple[EventLogger, Callable[[Event], None]]] = []
    for logger in loggers or tuple(LIVE):
        started.append((logger, logger._start_capture(sink)))
    if not loggers:
        CAPTURES.append((sink, started))
    try:
        yield sink
    finally:
        if not loggers:
            CAPTURES[:] = [entry for entry in CAPTURES if entry[0] is not sink]
        for logger, previous in reversed(started):
            logger._stop_capture(previous)
