"""What happened to the events handed to a logger: counters, by reason."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = ["Counters", "Stats"]


@dataclass(frozen=True, slots=True)
class Stats:
    """A snapshot of a logger's counters.

    - ``emitted``: events handed to the logger (method calls that returned).
    - ``sent``: events the transport accepted (``replayed`` included).
    - ``spooled``: events written to the spool because the transport was down.
    - ``replayed``: events delivered from the spool.
    - ``dropped``: events lost, by reason (``buffer_full``, ``spool_full``, ``http_401``,
      ``too_large``, ``closed``; ``spool_torn`` counts torn spool *records*).
    - ``invalid``: events that failed validation, by reason code (``invalid_field``,
      ``wrong_system``, ``unencodable``, or the server's code).
    - ``pending``: events waiting in memory; ``spool_pending``: events waiting in the spool.
    """

    emitted: int = 0
    sent: int = 0
    spooled: int = 0
    replayed: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    invalid: dict[str, int] = field(default_factory=dict)
    pending: int = 0
    spool_pending: int = 0


class Counters:
    """Thread-safe counters, updated per batch by the delivery thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.taken = 0
        self.sent = 0
        self.spooled = 0
        self.replayed = 0
        self.dropped: dict[str, int] = {}
        self.invalid: dict[str, int] = {}

    def drop(self, reason: str, n: int = 1) -> int:
        """Count ``n`` lost events; the new total for ``reason``."""
        with self.lock:
            total = self.dropped[reason] = self.dropped.get(reason, 0) + n
        return total

    def reject(self, reason: str, n: int = 1) -> int:
        """Count ``n`` invalid events; the new total for ``reason``."""
        with self.lock:
            total = self.invalid[reason] = self.invalid.get(reason, 0) + n
        return total

    def add(self, *, taken: int = 0, sent: int = 0, spooled: int = 0, replayed: int = 0) -> None:
        """Add to the plain counters."""
        with self.lock:
            self.taken += taken
            self.sent += sent
            self.spooled += spooled
            self.replayed += replayed
