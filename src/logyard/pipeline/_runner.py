"""The standalone processor: inputs → validate → store → acknowledge, one thread per input.

The input is acknowledged only after the store committed the batch (Vector's delivery
rule). A store that is down or slow stops the polling of that input (memory stays bounded)
and is retried with backoff; a message that fails validation goes to the dead-letter table
in the same transaction as the good ones, so a poison message never stalls its partition.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from logyard.catalog import Event, EventCodec
from logyard.errors import ConfigError, EventError, InvalidEventError, LogyardError
from logyard.pipeline._ingest import check_signature
from logyard.pipeline._metrics import PipelineMetrics, system_label
from logyard.pipeline._records import dead_letter_for
from logyard.pipeline.inputs import Input, InputBatch, InputError, derived_id
from logyard.pipeline.steps import StepChain
from logyard.security.chain import SignaturePolicy
from logyard.store._base import Store
from logyard.store._model import DeadLetter, WriteBatch

__all__ = ["DeadLetterSink", "InputRunner", "RunnerStats"]


class DeadLetterSink(Protocol):
    """Somewhere other than the store for dead letters (a Kafka topic)."""

    def send(self, letters: Sequence[DeadLetter]) -> None:
        """Deliver durably or raise :class:`~logyard.errors.LogyardError`."""
        ...

    def close(self) -> None:
        """Flush and release."""
        ...


_log = logging.getLogger("logyard.processor")


@dataclass(slots=True)
class RunnerStats:
    """What one input's runner has done."""

    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    store_retries: int = 0
    input_retries: int = 0


class InputRunner:
    """Runs one input until ``stop`` is set."""

    def __init__(
        self,
        name: str,
        source: Input,
        store: Store,
        metrics: PipelineMetrics,
        *,
        codec: EventCodec | None = None,
        batch_max_events: int = 5000,
        poll_timeout_secs: float = 0.5,
        retry_max_secs: float = 30.0,
        dead_letter_sink: DeadLetterSink | None = None,
        steps: StepChain | None = None,
        scrub: Callable[[bytes], bytes] | None = None,
        signatures: SignaturePolicy | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.store = store
        self.metrics = metrics
        self.codec = codec or EventCodec(assign_ids=False)
        self.batch_max_events = batch_max_events
        self.poll_timeout_secs = poll_timeout_secs
        self.retry_max_secs = retry_max_secs
        self.dead_letter_sink = dead_letter_sink
        self.steps = steps or StepChain([], metrics.dropped)
        self.scrub = scrub
        self.signatures = signatures
        self.stats = RunnerStats()

    def run(self, stop: threading.Event) -> None:
        """Open the input (retrying while it is unreachable) and process until stopped."""
        if not self._open(stop):
            return
        try:
            while not stop.is_set():
                batch = self._poll(stop)
                if batch is None or not batch.messages:
                    try:
                        self.store.heartbeat()
                    except LogyardError as exc:
                        _log.error("store: heartbeat failed (%s)", exc)
                    continue
                events, letters = self.process(batch)
                if not self._write(events, letters, stop):
                    return  # stopped while the store was down: the batch is not acked
                try:
                    self.source.ack(batch)
                except LogyardError as exc:  # not acked: it is read again, ids dedupe it
                    _log.error(
                        "input %s: acknowledging failed (%s); it will be re-read", self.name, exc
                    )
        finally:
            self.source.close()

    def process(self, batch: InputBatch) -> tuple[list[Event], list[DeadLetter]]:
        """Validate every message; the ones that fail become dead letters."""
        events: list[Event] = []
        letters: list[DeadLetter] = []
        component = f"input.{self.name}"
        for message in batch.messages:
            try:
                error = message.headers.get("error")
                if error:  # the input could not turn it into an event; it says why
                    raise InvalidEventError(
                        f"{message.coordinates}: {error}",
                        code=message.headers.get("error.code", "unreadable_source"),
                        path=message.headers.get("error.path"),
                    )
                if message.event is not None:
                    events.append(
                        self.codec.from_object(
                            message.event, partial(derived_id, message.coordinates)
                        )
                    )
                elif message.payload is not None:
                    event = self.codec.decode(
                        message.payload, partial(derived_id, message.coordinates)
                    )
                    if self.signatures is not None:
                        check_signature(
                            self.signatures, event.service, message.payload, event.labels
                        )
                    events.append(event)
                else:
                    raise InvalidEventError(
                        f"{message.coordinates}: empty message; nothing to store",
                        code="empty_message",
                    )
            except EventError as exc:
                raw = message.payload or repr(message.event).encode()
                letters.append(
                    dead_letter_for(
                        raw,
                        exc,
                        source=f"{self.name}:{message.coordinates}",
                        step="validate",
                        component=component,
                        # a replayed batch must not dead-letter the same message twice
                        letter_id=derived_id(f"dead-letter:{message.coordinates}"),
                        scrub=self.scrub,
                    )
                )
                self.metrics.rejected.labels(system_label(exc.service), exc.code).inc()
        if self.steps:
            kept = (self.steps(e) for e in events)
            events = [e for e in kept if e is not None]
        received: dict[str, int] = {}
        for event in events:
            received[event.service] = received.get(event.service, 0) + 1
        for system, count in received.items():
            self.metrics.received.labels(system).inc(count)
        return events, letters

    def _open(self, stop: threading.Event) -> bool:
        delay = 0.5
        while not stop.is_set():
            try:
                self.source.open()
                return True
            except InputError as exc:
                self.stats.input_retries += 1
                _log.error("input %s: %s; retrying in %.1fs", self.name, exc, delay)
                stop.wait(delay)
                delay = min(delay * 2, self.retry_max_secs)
            except ConfigError as exc:  # will not fix itself: say so once and stop this input
                _log.error("input %s: %s; this input stays stopped", self.name, exc)
                return False
        return False

    def _poll(self, stop: threading.Event) -> InputBatch | None:
        try:
            return self.source.poll(self.batch_max_events, self.poll_timeout_secs)
        except InputError as exc:
            self.stats.input_retries += 1
            _log.error("input %s: %s; retrying", self.name, exc)
            stop.wait(min(1.0, self.retry_max_secs))
            return None

    def _write(self, events: list[Event], letters: list[DeadLetter], stop: threading.Event) -> bool:
        delay = 0.1
        sink = self.dead_letter_sink
        sent_elsewhere = 0
        while True:
            started = time.perf_counter()
            try:
                if sink is not None and letters:
                    sink.send(letters)  # before the events: acked only when both are durable
                    sent_elsewhere, letters = len(letters), []
                result = self.store.write(WriteBatch(events=events, dead_letters=letters))
            except LogyardError as exc:
                self.stats.store_retries += 1
                self.metrics.store_errors.inc()
                _log.error("store: %s; input %s paused, retrying in %.1fs", exc, self.name, delay)
                if stop.wait(delay):
                    return False
                delay = min(delay * 2, self.retry_max_secs)
                continue
            self.metrics.batch_seconds.observe(time.perf_counter() - started)
            for system, count in result.by_system.items():
                self.metrics.stored.labels(system).inc(count)
            if result.duplicates:
                self.metrics.duplicates.inc(result.duplicates)
            self.stats.batches += 1
            self.stats.stored += result.stored
            self.stats.duplicates += result.duplicates
            self.stats.dead_letters += result.dead_letters + sent_elsewhere
            return True
