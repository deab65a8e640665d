"""What the ASGI and WSGI middleware tests share: the caller's trace, waiting for events.

The middleware emits a request's event once the server has taken the last body chunk, which
may be after the client has the response: tests wait for the events they expect.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["CALLER_SPAN", "CALLER_TRACE", "INCOMING", "REQUEST_FIELDS", "wait_for"]

CALLER_TRACE, CALLER_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
#: The ``traceparent`` a caller sends.
INCOMING = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
#: The fields of an ``api.request`` event that say what was served to whom.
REQUEST_FIELDS = ("http.request.method", "http.route", "http.response.status_code", "client.ip")


def wait_for(
    events: list[dict[str, Any]], count: int, keep: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """The events that ``keep`` selects, once there are ``count`` of them (or after 10 s)."""
    deadline = time.monotonic() + 10
    while True:
        found = [e for e in events if keep(e)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.01)
