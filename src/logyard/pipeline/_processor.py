"""The embedded processor: queue → validate/normalize → store, checkpointed atomically.

The checkpoint (the queue position after the batch) is written in the same store
transaction as the batch, so after ``kill -9`` the processor resumes exactly where the
store left off: nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter as Tally

from logyard.catalog import Event, EventCodec
from logyard.errors import EventError, LogyardError
from logyard.pipeline._metrics import PipelineMetrics
from logyard.pipeline._queue import WriteAheadQueue
from logyard.pipeline._records import DEAD, EVENT, dead_letter_for, decode_dead_letter
from logyard.store._base import Store
from logyard.store._model import DeadLetter, WriteBatch

__all__ = ["Processor"]

_log = logging.getLogger("logyard.processor")

CHECKPOINT = "embedded-queue"


class Processor:
    """Moves batches from the embedded queue into the store on a background thread."""

    def __init__(
        self,
        queue: WriteAheadQueue,
        store: Store,
        metrics: PipelineMetrics,
        *,
        codec: EventCodec | None = None,
        batch_max: int = 20_000,
        idle_wait_secs: float = 0.2,
    ) -> None:
        self.queue = queue
        self.store = store
        self.metrics = metrics
        self.codec = codec or EventCodec(assign_ids=False)
        self.batch_max = batch_max
        self.idle_wait_secs = idle_wait_secs
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.position = 0
        self.batches = 0

    def start(self) -> None:
        """Start the background thread."""
        checkpoint = self.store.read_checkpoint(CHECKPOINT)
        self.position = checkpoint if checkpoint is not None else self.queue.start
        self._thread = threading.Thread(target=self._run, name="logyard-processor", daemon=True)
        self._thread.start()

    def stop(self, timeout_secs: float = 10.0) -> None:
        """Drain what is queued (within the timeout) and stop."""
        deadline = time.monotonic() + timeout_secs
        while self.position < self.queue.end and time.monotonic() < deadline:
            time.sleep(0.02)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(max(0.1, deadline - time.monotonic()))

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                if not self.run_once():
                    self.queue.wait(self.position, self.idle_wait_secs)
                backoff = 0.1
            except LogyardError as exc:
                self.metrics.store_errors.inc()
                _log.error("processor: %s; retrying in %.1fs", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:  # a bug must not kill the thread silently
                self.metrics.store_errors.inc()
                _log.exception("processor: unexpected failure; retrying in %.1fs", backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def run_once(self) -> bool:
        """Process one batch; False when the queue had nothing new."""
        batch = self.queue.read(self.position, max_records=self.batch_max)
        if not batch.records:
            self.metrics.queue_depth.set(self.queue.depth(self.position))
            return False
        events: list[Event] = []
        letters: list[DeadLetter] = []
        decode = self.codec.decode
        for rec in batch.records:
            kind = rec[:1]
            if kind == EVENT:
                body = rec[1:]
                try:
                    events.append(decode(body))
                except EventError as exc:
                    letters.append(
                        dead_letter_for(
                            body, exc, source="queue", step="validate", component="processor"
                        )
                    )
            elif kind == DEAD:
                letters.append(decode_dead_letter(rec))
        started = time.perf_counter()
        result = self.store.write(
            WriteBatch(events=events, dead_letters=letters, checkpoint=(CHECKPOINT, batch.end))
        )
        self.metrics.batch_seconds.observe(time.perf_counter() - started)
        for system, n in Tally(e.service for e in events).items():
            self.metrics.stored.labels(system).inc(n)
        if result.duplicates:
            self.metrics.duplicates.inc(result.duplicates)
        for letter in letters:
            if letter.component != "ingest":  # ingest counted its own rejections
                self.metrics.rejected.labels(letter.reason_code).inc()
        self.position = batch.end
        self.batches += 1
        self.queue.release(self.position)
        self.metrics.queue_depth.set(self.queue.depth(self.position))
        return True
