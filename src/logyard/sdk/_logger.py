"""The event logger: typed methods in front, a bounded buffer and a delivery thread behind.

The caller's cost is building the struct, reading the clock and the trace context and
one ``deque.append``; everything else (timestamp formatting, event id, encoding,
validation, batching, sending, spooling) happens on the background thread.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from logyard.catalog import SYSTEMS, Event, System
from logyard.errors import ConfigError, EventError, InvalidEventError
from logyard.sdk._delivery import Delivery, Item
from logyard.sdk._encode import EventEncoder
from logyard.sdk._events import TypedEvents
from logyard.sdk._spool import FileSpool, MemorySpool, Spool
from logyard.sdk._stats import Counters, Stats
from logyard.sdk._trace import current_trace
from logyard.sdk._transport import Transport

if TYPE_CHECKING:
    from logyard.security.chain._signing import ServiceKey
    from logyard.security.mask import MaskConfig

__all__ = ["CAPTURES", "DEFAULT_SPOOL_MAX_BYTES", "LIVE", "EventLogger"]

_log = logging.getLogger("logyard.sdk")
_time_ns = time.time_ns
_get_trace = current_trace  # the active OpenTelemetry span, else the logyard context

DEFAULT_SPOOL_MAX_BYTES = 256 * 1024 * 1024

# Every live logger, and the sinks of active ``capture_events()`` blocks (innermost last).
LIVE: weakref.WeakSet[EventLogger] = weakref.WeakSet()
CAPTURES: list[tuple[list[dict[str, Any]], list[tuple[EventLogger, Callable[[Event], None]]]]] = []


class EventLogger(TypedEvents):
    """Emits catalogue events of one service without blocking it.

    ``transport`` delivers batches; ``spool_dir`` keeps undelivered batches on disk
    across outages and restarts (``None``: in memory, bounded by ``spool_max_bytes``).
    ``strict=True`` validates in the caller and raises :class:`InvalidEventError` (for
    tests); otherwise invalid events are counted and logged, never raised. When the
    buffer holds ``buffer_max_events``, a call waits up to ``block_ms`` for room and then
    drops the event (counted as ``buffer_full``). ``mask=True`` (or a
    :class:`~logyard.security.mask.MaskConfig`) masks card numbers, personal data and secrets
    on the delivery thread, before anything is spooled or sent.
    """

    def __init__(
        self,
        service: System,
        *,
        transport: Transport,
        version: str | None = None,
        host: str | None = None,
        strict: bool = False,
        spool_dir: str | os.PathLike[str] | None = None,
        spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES,
        buffer_max_events: int = 100_000,
        batch_max_events: int = 500,
        batch_max_bytes: int = 1024 * 1024,
        linger_ms: float = 100.0,
        block_ms: float = 0.0,
        signing_key: ServiceKey | None = None,
        mask: bool | MaskConfig = False,
        retry_initial_ms: float = 100.0,
        retry_max_ms: float = 30_000.0,
    ) -> None:
        self._signing_key = signing_key  # events are signed on the delivery thread
        self._mask_option = mask  # and masked there first, before the spool or the wire
        if service not in SYSTEMS:
            raise ConfigError(
                f"service: {service!r} is not one of the systems; use one of {', '.join(SYSTEMS)}"
            )
        self.service = service
        self.version = version
        self.host = host if host is not None else socket.gethostname()
        self.strict = strict
        self.transport = transport
        self._buffer: deque[Item] = deque()
        self._buffer_max = buffer_max_events
        self._batch_max = batch_max_events
        self._block_secs = block_ms / 1000
        # strict mode and capture
        self._encoder = EventEncoder(service, version, self.host, mask=mask)
        self._counters = Counters()
        self._captured = 0
        self._closed = False
        self._lock = threading.Lock()
        spool: Spool = (
            FileSpool(spool_dir, spool_max_bytes)
            if spool_dir is not None
            else MemorySpool(spool_max_bytes)
        )
        self._delivery_options: dict[str, Any] = {
            "batch_max_events": batch_max_events,
            "batch_max_bytes": batch_max_bytes,
            "linger_secs": linger_ms / 1000,
            "retry_initial_secs": retry_initial_ms / 1000,
            "retry_max_secs": retry_max_ms / 1000,
        }
        self._delivery = self._start_delivery(spool)
        self._emit: Callable[[Event], None] = self._emit_strict if strict else self._emit_fast
        atexit.register(self._at_exit)
        LIVE.add(self)
        if CAPTURES:
            sink, started = CAPTURES[-1]
            started.append((self, self._start_capture(sink)))

    def _start_delivery(self, spool: Spool) -> Delivery:
        return Delivery(
            self._buffer,
            EventEncoder(
                self.service,
                self.version,
                self.host,
                pooled_ids=True,
                signing_key=self._signing_key,
                mask=self._mask_option,
            ),
            self.transport,
            spool,
            self._counters,
            **self._delivery_options,
        )

    def _after_fork_in_child(self) -> None:
        """A forked child gets its own thread, counters and an in-memory spool.

        The parent delivers what was buffered before the fork and keeps the spool file
        (and its lock); the child drops the parent's connection.
        """
        if self._closed:
            return
        self._buffer.clear()
        self._counters = Counters()
        self._lock = threading.Lock()
        old = self._delivery.spool
        if isinstance(old, FileSpool):
            old.close()
            _log.warning(
                "logyard.sdk: forked child of pid %d uses an in-memory spool; "
                "call configure() after forking to give each process its own LOGYARD_SPOOL_DIR",
                os.getppid(),
            )
        try:
            self.transport.close()
        except Exception:  # pragma: no cover - a transport's close must not raise into hosts
            _log.exception("logyard.sdk: closing %r after fork failed", self.transport)
        self._delivery = self._start_delivery(MemorySpool(old.max_bytes))

    def __repr__(self) -> str:
        return (
            f"EventLogger({self.service!r}, version={self.version!r}, transport={self.transport!r})"
        )

    # -- the hot path ------------------------------------------------------------------------
    def _emit_fast(self, event: Event) -> None:
        # The clock reading waits in the timestamp slot; the delivery thread formats it.
        event.timestamp = _time_ns()  # type: ignore[assignment]
        trace = _get_trace()
        if trace is not None:
            event.trace_id = trace.trace_id
            event.span_id = trace.span_id
        buffer = self._buffer
        if len(buffer) < self._buffer_max:
            buffer.append(event)
            if len(buffer) == self._batch_max:
                self._delivery.wake.set()
        else:
            self._full(event)

    def _full(self, item: Item) -> None:
        if self._block_secs > 0 and not self._closed:
            deadline = time.monotonic() + self._block_secs
            delivery = self._delivery
            while len(self._buffer) >= self._buffer_max:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                delivery.wake.set()
                with delivery.changed:
                    delivery.changed.wait(remaining)
            else:
                self._buffer.append(item)
                return
        total = self._counters.drop("buffer_full")
        if total & (total - 1) == 0:
            _log.warning(
                "logyard.sdk: buffer full (%d events); dropped %d event(s) so far; "
                "raise buffer_max_events or check the transport",
                self._buffer_max,
                total,
            )

    def _emit_strict(self, event: Event) -> None:
        raw = self._validated(event)
        buffer = self._buffer
        if len(buffer) < self._buffer_max:
            buffer.append(raw)
            if len(buffer) == self._batch_max:
                self._delivery.wake.set()
        else:
            self._full(raw)

    def _validated(self, event: Event) -> bytes:
        event.timestamp = _time_ns()  # type: ignore[assignment]
        trace = _get_trace()
        if trace is not None:
            event.trace_id = trace.trace_id
            event.span_id = trace.span_id
        try:
            return self._encoder.encode(event)
        except InvalidEventError:
            raise
        except EventError as exc:
            raise InvalidEventError(str(exc), code=exc.code, path=exc.path) from exc

    # -- capture (logyard.sdk.testing) -------------------------------------------------------
    def _start_capture(self, sink: list[dict[str, Any]]) -> Callable[[Event], None]:
        previous = self._emit

        def capture(event: Event) -> None:
            try:
                raw = self._validated(event)
            except InvalidEventError as exc:
                if self.strict:
                    raise
                self._counters.reject(exc.code)
                return
            with self._lock:
                self._captured += 1
            sink.append(msgspec.json.decode(raw))

        self._emit = capture
        return previous

    def _stop_capture(self, previous: Callable[[Event], None]) -> None:
        self._emit = previous

    # -- control -----------------------------------------------------------------------------
    def stats(self) -> Stats:
        """A snapshot of the counters (see :class:`Stats`)."""
        c = self._counters
        pending = len(self._buffer)
        with c.lock:
            dropped = dict(c.dropped)
            invalid = dict(c.invalid)
            taken, sent, spooled, replayed = c.taken, c.sent, c.spooled, c.replayed
        return Stats(
            emitted=taken
            + pending
            + dropped.get("buffer_full", 0)
            + dropped.get("after_close", 0)
            + self._captured,
            sent=sent,
            spooled=spooled,
            replayed=replayed,
            dropped=dropped,
            invalid=invalid,
            pending=pending,
            spool_pending=self._delivery.spool_pending,
        )

    def flush(self, timeout_secs: float = 5.0) -> bool:
        """Deliver everything emitted so far; ``True`` when nothing is left pending.

        (Events refused or dropped on the way are counted in :meth:`stats`, not pending.)

        Makes one immediate attempt, skipping any backoff wait. ``False`` when that
        attempt fails (the events wait in the spool and are retried in the background)
        or when ``timeout_secs`` runs out first.
        """
        if self._closed:
            return self._delivery.idle()
        return self._delivery.flush(timeout_secs)

    def close(self, timeout_secs: float = 5.0) -> None:
        """Flush, spool what could not be sent, stop the thread, close transport and spool.

        Events emitted after ``close`` are dropped (counted as ``after_close``); without a
        spool directory, events still undelivered are dropped (counted as ``closed``).
        """
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._at_exit)
        delivery = self._delivery
        delivery.flush(timeout_secs)
        self._emit = self._emit_closed
        if not delivery.stop(timeout_secs):
            _log.warning("logyard.sdk: delivery thread did not stop within %ss", timeout_secs)
            return
        if isinstance(delivery.spool, MemorySpool) and delivery.spool_pending:
            self._counters.drop("closed", delivery.spool_pending)
            _log.warning(
                "logyard.sdk: closed with %d undelivered event(s) and no spool directory; "
                "set LOGYARD_SPOOL_DIR to keep them across restarts",
                delivery.spool_pending,
            )
        delivery.spool.close()
        try:
            self.transport.close()
        except Exception:  # pragma: no cover - a transport's close must not raise into hosts
            _log.exception("logyard.sdk: closing %r failed", self.transport)

    def _emit_closed(self, event: Event) -> None:
        self._counters.drop("after_close")

    def _at_exit(self) -> None:
        self.close(timeout_secs=5.0)

    def __enter__(self) -> EventLogger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _after_fork_in_child() -> None:
    for logger in list(LIVE):
        logger._after_fork_in_child()


os.register_at_fork(after_in_child=_after_fork_in_child)
