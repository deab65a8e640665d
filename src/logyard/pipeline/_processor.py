"""The embedded processor: queue → validate/normalize → store, checkpointed atomically.

The checkpoint (the queue position after the batch) is written in the same store
transaction as the batch, so after ``kill -9`` the processor resumes exactly where the
store left off: nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from logyard.catalog import SYSTEMS, EventCodec
from logyard.errors import EventError, LogyardError
from logyard.pipeline._metrics import PipelineMetrics, system_label
from logyard.pipeline._queue import WriteAheadQueue
from logyard.pipeline._records import (
    DEAD,
    EVENT,
    ORIGINALS,
    VALID,
    dead_letter_for,
    decode_dead_letter,
    decode_originals,
    decode_valid,
    encode_valid,
)
from logyard.pipeline.steps import StepChain
from logyard.store._base import Store
from logyard.store._model import DeadLetter, EncodedEvents, WriteBatch

__all__ = ["Processor"]

_log = logging.getLogger("logyard.processor")

CHECKPOINT = "embedded-queue"
_VALID, _EVENT, _DEAD, _ORIGINALS = VALID[0], EVENT[0], DEAD[0], ORIGINALS[0]
_JSON = msgspec.json.Encoder()


class Processor:
    """Moves batches from the embedded queue into the store on a background thread."""

    def __init__(
        self,
        queue: WriteAheadQueue,
        store: Store,
        metrics: PipelineMetrics,
        *,
        codec: EventCodec | None = None,
        batch_max: int = 50_000,
        idle_wait_secs: float = 0.2,
        steps: StepChain | None = None,
        scrub: Callable[[bytes], bytes] | None = None,
    ) -> None:
        self.queue = queue
        self.store = store
        self.metrics = metrics
        self.codec = codec or EventCodec(assign_ids=False)
        self.batch_max = batch_max
        self.idle_wait_secs = idle_wait_secs
        self.steps = steps or StepChain([], metrics.dropped)
        self.scrub = scrub
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

    def stop(self, timeout_secs: float = 10.0) -> bool:
        """Drain what is queued (within the timeout), then stop after the batch in flight.

        Returns False if the thread is still writing after a further minute (the caller
        must then not close the store under it).
        """
        deadline = time.monotonic() + timeout_secs
        while self.position < self.queue.end and time.monotonic() < deadline:
            time.sleep(0.02)
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(60.0)
        return not self._thread.is_alive()

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                if not self.run_once():
                    self.store.heartbeat()  # hash-chain checkpoints: a cut tail shows
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
        docs: dict[int, list[bytes]] = {}
        ids: dict[int, list[str]] = {}
        stamps: dict[int, list[int]] = {}
        letters: list[DeadLetter] = []
        originals: list[tuple[str, str, str, str, bytes]] = []
        decode = self.codec.decode
        for rec in batch.records:
            kind = rec[0]
            if kind == _VALID:
                system, ms, event_id, body = decode_valid(rec)
            elif kind == _EVENT:
                try:
                    event = self.steps(decode(rec[1:]))
                except EventError as exc:
                    letters.append(
                        dead_letter_for(
                            rec[1:],
                            exc,
                            source="queue",
                            step="validate",
                            component="processor",
                            scrub=self.scrub,
                        )
                    )
                    continue
                if event is None:
                    continue
                valid = encode_valid(event)
                system, ms, event_id, body = decode_valid(valid)
            elif kind == _DEAD:
                letters.append(decode_dead_letter(rec))
                continue
            elif kind == _ORIGINALS:
                sealed = decode_originals(rec)
                originals.extend(
                    (sealed.event_id, sealed.system, field, subject, _JSON.encode(envelope))
                    for field, subject, envelope in sealed.items
                )
                continue
            else:
                _log.error("processor: unknown record kind %r at %d; skipped", rec[:1], batch.start)
                continue
            group = docs.get(system)
            if group is None:
                docs[system] = [body]
                ids[system] = [event_id]
                stamps[system] = [ms]
            else:
                group.append(body)
                ids[system].append(event_id)
                stamps[system].append(ms)
        encoded = [
            EncodedEvents(
                system=SYSTEMS[system],
                ids=ids[system],
                docs=rows,
                lo=_from_ms(min(stamps[system])),
                hi=_from_ms(max(stamps[system])),
            )
            for system, rows in docs.items()
        ]
        started = time.perf_counter()
        result = self.store.write(
            WriteBatch(
                encoded=encoded,
                dead_letters=letters,
                originals=originals,
                checkpoint=(CHECKPOINT, batch.end),
            )
        )
        self.metrics.batch_seconds.observe(time.perf_counter() - started)
        for name, count in result.by_system.items():
            self.metrics.stored.labels(name).inc(count)
        if result.duplicates:
            self.metrics.duplicates.inc(result.duplicates)
        for letter in letters:
            if letter.component != "ingest":  # ingest counted its own rejections
                self.metrics.rejected.labels(system_label(letter.service), letter.reason_code).inc()
        self.position = batch.end
        self.batches += 1
        self.queue.release(self.position)
        self.metrics.queue_depth.set(self.queue.depth(self.position))
        return True


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
