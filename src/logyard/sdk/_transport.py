"""The transport interface and the in-process transports.

A transport delivers one batch (a list of event JSON documents) and returns only when
the receiver has made the accepted events durable. It reports failure by raising:

- :class:`~logyard.errors.TransportError`: the batch may be retried (server down,
  timeout, 5xx). The logger spools it and replays it later, in order.
- :class:`RejectedError`: retrying cannot help (bad token, malformed request); with
  ``items`` set, only those events were refused and the others were accepted.
- :class:`TooLargeError`: the batch is too large; the logger splits it and retries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

import msgspec

from logyard.errors import TransportError

__all__ = [
    "CallableTransport",
    "MemoryTransport",
    "RejectedError",
    "TooLargeError",
    "Transport",
]


@runtime_checkable
class Transport(Protocol):
    """Delivers batches of encoded events."""

    def send(self, batch: list[bytes]) -> None:
        """Deliver ``batch``; return once it is durable, raise :class:`TransportError` if not."""

    def close(self) -> None:
        """Release connections."""


class RejectedError(TransportError):
    """The receiver refused the batch (or some of its events); not worth retrying.

    ``reason`` is the counter key for a whole-batch refusal (``http_401``); ``items``
    maps the index of each refused event to its reason code when the refusal is partial.
    """

    def __init__(self, message: str, *, reason: str, items: Mapping[int, str] | None = None):
        super().__init__(message)
        self.reason = reason
        self.items: Mapping[int, str] = items or {}


class TooLargeError(RejectedError):
    """The batch exceeds the receiver's size limit; smaller batches may pass."""


class CallableTransport:
    """Hands each batch to a function in the same process (embedded server, simulator).

    The function raises :class:`TransportError` (or a subclass) to report failure; any
    other exception counts as a retryable failure.
    """

    def __init__(self, fn: Callable[[list[bytes]], None]) -> None:
        self._fn = fn

    def __repr__(self) -> str:
        return f"CallableTransport({self._fn!r})"

    def send(self, batch: list[bytes]) -> None:
        """Call the function with the batch."""
        try:
            self._fn(batch)
        except TransportError:
            raise
        except Exception as exc:
            raise TransportError(
                f"{self!r}: the receiving function failed ({exc!r}); the batch is spooled "
                "and retried"
            ) from exc

    def close(self) -> None:
        """Nothing to release."""


class MemoryTransport:
    """Keeps every delivered batch in memory, for tests.

    Set ``fail_with`` to an exception to make ``send`` raise it (a copy of the same
    instance each time) until it is set back to ``None``.
    """

    def __init__(self) -> None:
        self.batches: list[list[bytes]] = []
        self.fail_with: TransportError | None = None
        self.closed = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryTransport(batches={len(self.batches)})"

    def send(self, batch: list[bytes]) -> None:
        """Record the batch, or raise ``fail_with``."""
        with self._lock:
            if self.fail_with is not None:
                raise self.fail_with
            self.batches.append(list(batch))

    def close(self) -> None:
        """Mark the transport closed."""
        self.closed = True

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every delivered event, decoded, in delivery order."""
        with self._lock:
            raws = [raw for batch in self.batches for raw in batch]
        return [msgspec.json.decode(raw) for raw in raws]
