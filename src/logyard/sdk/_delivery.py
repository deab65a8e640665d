"""The background thread: encode, validate, batch, send, spool, replay.

Order is kept end to end: while anything waits in the spool, new batches go to the
spool behind it, and the spool is replayed oldest first once the transport answers
again (exponential backoff with jitter between attempts). Nothing here raises into
the host: failures are counted by reason and reported through the ``logyard.sdk``
stdlib logger (the first occurrence of a reason and then every power of two).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque

from logyard.catalog import Event
from logyard.errors import TransportError
from logyard.sdk._encode import EventEncoder
from logyard.sdk._spool import Spool
from logyard.sdk._stats import Counters
from logyard.sdk._transport import RejectedError, TooLargeError, Transport

__all__ = ["Delivery", "Item"]

_log = logging.getLogger("logyard.sdk")

Item = Event | bytes  # an event to finish and encode, or one already validated (strict mode)


def _worth_logging(total: int) -> bool:
    return total & (total - 1) == 0


class Delivery:
    """Drains a logger's buffer on a daemon thread and delivers what it holds."""

    def __init__(
        self,
        buffer: deque[Item],
        encoder: EventEncoder,
        transport: Transport,
        spool: Spool,
        counters: Counters,
        *,
        batch_max_events: int,
        batch_max_bytes: int,
        linger_secs: float,
        retry_initial_secs: float,
        retry_max_secs: float,
    ) -> None:
        self.buffer = buffer
        self.encoder = encoder
        self.transport = transport
        self.spool = spool
        self.counters = counters
        self.batch_max_events = batch_max_events
        self.batch_max_bytes = batch_max_bytes
        self.linger_secs = linger_secs
        self.retry_initial_secs = retry_initial_secs
        self.retry_max_secs = retry_max_secs
        self.spool_pending = spool.pending_events()
        self.wake = threading.Event()
        self.changed = threading.Condition()
        self._busy = False
        self._stopping = False
        self._retry_at = 0.0
        self._delay = retry_initial_secs
        self._down = False
        # Flush requests so far; the newest one a cycle started under; the newest one
        # whose attempt failed (flush returns False only for attempts made after it).
        self._flushes = 0
        self._cycle_flush = 0
        self._failed_flush = 0
        if spool.torn_records:
            counters.drop("spool_torn", spool.torn_records)
            _log.warning(
                "logyard.sdk: spool: skipped %d torn record(s) left by a crash mid-write",
                spool.torn_records,
            )
        self.thread = threading.Thread(target=self._run, name="logyard-sdk", daemon=True)
        self.thread.start()

    # -- called from other threads -----------------------------------------------------------
    def idle(self) -> bool:
        """Nothing in memory, nothing in flight, nothing spooled."""
        return not self.buffer and not self._busy and not self.spool_pending

    def flush(self, timeout_secs: float) -> bool:
        """Deliver everything now; ``True`` once all of it is delivered.

        Makes one immediate attempt (skipping any backoff wait) and returns ``False`` as
        soon as that attempt fails, with the events safe in the spool, or when
        ``timeout_secs`` runs out; so a flush never waits out an outage.
        """
        deadline = time.monotonic() + timeout_secs
        with self.changed:
            self._retry_at = 0.0
            self._flushes += 1
            flush_id = self._flushes
        while True:
            self.wake.set()
            with self.changed:
                if self.idle():
                    return True
                if self._failed_flush >= flush_id and not self.buffer and not self._busy:
                    return False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(min(remaining, self.linger_secs))

    def stop(self, timeout_secs: float) -> bool:
        """Spool what is left, stop the thread; ``False`` if it did not stop in time."""
        self._stopping = True
        self.wake.set()
        self.thread.join(timeout_secs)
        return not self.thread.is_alive()

    # -- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            self.wake.wait(self._timeout())
            self.wake.clear()
            try:
                self._cycle()
            except Exception:  # pragma: no cover - a bug must not kill delivery
                _log.exception("logyard.sdk: delivery cycle failed; continuing")
                with self.changed:
                    self._busy = False
            with self.changed:
                self.changed.notify_all()
            if self._stopping and not self.buffer:
                return

    def _timeout(self) -> float:
        if self.buffer or self._stopping:
            return 0.0
        if self.spool_pending:
            return max(0.0, min(self.linger_secs, self._retry_at - time.monotonic()))
        return self.linger_secs

    def _cycle(self) -> None:
        with self.changed:
            self._busy = True
            self._cycle_flush = self._flushes
        try:
            if not self._stopping:
                self._replay()
            while self.buffer:
                batch = self._take()
                if batch:
                    self._dispatch(batch)
        finally:
            with self.changed:
                self._busy = False

    def _take(self) -> list[bytes]:
        """Pop up to one batch from the buffer, encoded and validated."""
        buffer, popleft = self.buffer, self.buffer.popleft
        items = [popleft() for _ in range(min(len(buffer), self.batch_max_events))]
        self.counters.add(taken=len(items))
        events = [item for item in items if not isinstance(item, bytes)]
        if len(events) == len(items):
            batch, errors = self.encoder.encode_many(events)
        else:  # validated bytes (strict mode, or put back by _fit) come first, events after
            batch, errors = [i for i in items if isinstance(i, bytes)], []
            if events:
                more, errors = self.encoder.encode_many(events)
                batch += more
        for exc in errors:
            self._invalid(exc.code, str(exc))
        return self._fit(batch)

    def _fit(self, batch: list[bytes]) -> list[bytes]:
        """``batch`` cut to ``batch_max_bytes``; the excess goes back to the buffer front."""
        size = 0
        for i, raw in enumerate(batch):
            size += len(raw) + 1
            if size > self.batch_max_bytes and i:
                self.buffer.extendleft(reversed(batch[i:]))
                self.counters.add(taken=-(len(batch) - i))
                return batch[:i]
        return batch

    def _dispatch(self, batch: list[bytes]) -> None:
        if self.spool_pending or self._stopping or time.monotonic() < self._retry_at:
            self._to_spool(batch)
            return
        rest = self._deliver(batch)
        if rest:
            self._failed()
            self._to_spool(rest)
        else:
            self._recovered()

    def _replay(self) -> None:
        if not self.spool_pending or time.monotonic() < self._retry_at:
            return
        while (batch := self.spool.peek()) is not None:
            before = self.counters.sent
            if self._deliver(batch):
                self._failed()
                return
            self.spool.pop()
            self.spool_pending = self.spool.pending_events()
            self.counters.add(replayed=self.counters.sent - before)
        self._recovered()

    def _deliver(self, batch: list[bytes]) -> list[bytes]:
        """Send ``batch``; what is left to retry later (empty when done with it)."""
        try:
            self.transport.send(batch)
        except TooLargeError as exc:
            if len(batch) == 1:
                self._drop("too_large", 1, str(exc))
                return []
            half = len(batch) // 2
            rest = self._deliver(batch[:half])
            return rest + batch[half:] if rest else self._deliver(batch[half:])
        except RejectedError as exc:
            if exc.items:
                for index, code in exc.items.items():
                    self._invalid(code, f"{exc} (event {index}: {code})")
                self.counters.add(sent=len(batch) - len(exc.items))
            else:
                self._drop(exc.reason, len(batch), str(exc))
            return []
        except TransportError as exc:
            self._down_since(str(exc))
            return batch
        except Exception as exc:
            self._down_since(f"{self.transport!r}: unexpected {exc!r}; treated as retryable")
            return batch
        self.counters.add(sent=len(batch))
        return []

    def _to_spool(self, batch: list[bytes]) -> None:
        if self.spool.append(batch):
            self.spool_pending += len(batch)
            self.counters.add(spooled=len(batch))
        else:
            self._drop(
                "spool_full",
                len(batch),
                "spool: full; raise LOGYARD_SPOOL_MAX_BYTES or bring the server back",
            )

    # -- backoff and reporting ---------------------------------------------------------------
    def _failed(self) -> None:
        self._failed_flush = self._cycle_flush
        if self._flushes > self._cycle_flush:
            self._retry_at = 0.0  # a flush came in during this attempt: it gets its own
            return
        self._retry_at = time.monotonic() + self._delay * random.uniform(0.5, 1.0)
        self._delay = min(self._delay * 2, self.retry_max_secs)

    def _recovered(self) -> None:
        self._retry_at = 0.0
        self._delay = self.retry_initial_secs
        if self._down:
            self._down = False
            _log.info("logyard.sdk: transport delivers again; spool drained")

    def _down_since(self, message: str) -> None:
        if not self._down:
            self._down = True
            _log.warning("logyard.sdk: %s", message)

    def _drop(self, reason: str, n: int, message: str) -> None:
        total = self.counters.drop(reason, n)
        if _worth_logging(total) or n > 1:
            _log.warning(
                "logyard.sdk: dropped %d event(s) (%s, %d so far): %s", n, reason, total, message
            )

    def _invalid(self, code: str, message: str) -> None:
        total = self.counters.reject(code)
        if _worth_logging(total):
            _log.warning("logyard.sdk: invalid event (%s, %d so far): %s", code, total, message)
