"""Ingest: validate what producers send, answer per event, queue durably.

An event is "accepted" only once it is in the write-ahead queue on disk; a rejected one
is answered with its reason *and* queued as a dead letter, so nothing vanishes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from logyard.catalog import Event, EventCodec, encode_event
from logyard.errors import EventError, InvalidEventError
from logyard.pipeline._metrics import PipelineMetrics, system_label
from logyard.pipeline._queue import WriteAheadQueue
from logyard.pipeline._records import (
    dead_letter_for,
    encode_dead_letter,
    encode_originals,
    encode_valid,
)
from logyard.pipeline.steps import StepChain

if TYPE_CHECKING:
    from logyard.pipeline.steps.seal import Sealer
    from logyard.security.mask import Original
from logyard.security.chain import SignaturePolicy

__all__ = ["Ingest", "ItemResult", "check_signature"]


@dataclass(frozen=True, slots=True)
class ItemResult:
    """The answer for one submitted event."""

    index: int
    status: str  # "accepted" | "rejected"
    id: str | None = None
    code: str | None = None
    reason: str | None = None
    path: str | None = None


class _Records(list[bytes]):
    """The queue records of one submit, and the originals still to be sealed."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[tuple[Event, list[Original]]] = []


class Ingest:
    """Front door of the embedded pipeline (used by the HTTP API and in-process producers)."""

    def __init__(
        self,
        queue: WriteAheadQueue,
        metrics: PipelineMetrics,
        *,
        codec: EventCodec | None = None,
        max_event_bytes: int = 1 << 20,
        source: str = "http",
        backlog: Callable[[], int] | None = None,
        max_backlog_bytes: int = 8 << 20,
        steps: StepChain | None = None,
        scrub: Callable[[bytes], bytes] | None = None,
        signatures: SignaturePolicy | None = None,
        sealer: Sealer | None = None,
        take_originals: Callable[[], list[Original]] | None = None,
    ) -> None:
        self.queue = queue
        self.metrics = metrics
        self.codec = codec or EventCodec()
        self.max_event_bytes = max_event_bytes
        self.source = source
        self.steps = steps or StepChain([], metrics.dropped)
        self.scrub = scrub
        self.signatures = signatures
        self.sealer = sealer
        self.take_originals = take_originals
        self.backlog = backlog or (lambda: 0)
        self.max_backlog_bytes = max_backlog_bytes

    @property
    def overloaded(self) -> bool:
        """True while the processor is more than ``max_backlog_bytes`` behind."""
        return self.backlog() > self.max_backlog_bytes

    def wait_for_room(self, timeout_secs: float = 30.0) -> None:
        """Backpressure for in-process producers: wait while the processor is behind."""
        deadline = time.monotonic() + timeout_secs
        while self.overloaded and time.monotonic() < deadline:
            time.sleep(0.005)

    def _append(self, records: _Records, event: Event, doc: bytes | None = None) -> None:
        """Queue an event; its originals, when masking kept some, are sealed in _enqueue."""
        records.append(encode_valid(event, doc))
        if self.sealer is not None and self.take_originals is not None:
            originals = self.take_originals()
            if originals:
                records.pending.append((event, originals))

    def _enqueue(self, records: _Records) -> None:
        """Seal the batch's originals (the new subjects' keys made durable in one keyring
        write first), then queue everything with one fsync."""
        if records.pending and self.sealer is not None:
            for sealed in self.sealer.many(records.pending):
                if sealed is not None:
                    records.append(encode_originals(sealed))
        self.queue.append(records)

    def submit_raw(
        self, items: Sequence[bytes], *, source: str | None = None, only_service: str | None = None
    ) -> list[ItemResult]:
        """Validate JSON payloads one by one; queue good ones and dead letters durably."""
        records = _Records()
        results: list[ItemResult] = []
        src = source or self.source
        received: dict[str, int] = {}
        for index, raw in enumerate(items):
            try:
                if len(raw) > self.max_event_bytes:
                    raise InvalidEventError(
                        f"event: {len(raw):,} bytes is over the {self.max_event_bytes:,}-byte "
                        "limit per event; split the payload or raise max_event_bytes",
                        code="too_large",
                    )
                event = self.codec.decode(raw)
                if only_service is not None and event.service != only_service:
                    raise InvalidEventError(
                        f"service.name: this token writes for {only_service!r} only, the event "
                        f"says {event.service!r}; send it with {event.service}'s token",
                        code="wrong_service_token",
                        path="$.service.name",
                        service=event.service,
                    )
                if self.signatures is not None:
                    check_signature(self.signatures, event.service, raw, event.labels)
                processed = self.steps(event) if self.steps else event
            except EventError as exc:
                letter = dead_letter_for(
                    raw, exc, source=src, step="validate", component="ingest", scrub=self.scrub
                )
                records.append(encode_dead_letter(letter))
                results.append(
                    ItemResult(index, "rejected", code=exc.code, reason=str(exc), path=exc.path)
                )
                system = system_label(exc.service)
                self.metrics.received.labels(system).inc()
                self.metrics.rejected.labels(system, exc.code).inc()
                continue
            if processed is not None:
                self._append(records, processed)
            results.append(ItemResult(index, "accepted", id=event.event_id))
            received[event.service] = received.get(event.service, 0) + 1
        self._enqueue(records)
        for system, n in received.items():
            self.metrics.received.labels(system).inc(n)
        return results

    def submit_encoded(self, docs: Sequence[bytes], *, source: str) -> int:
        """Queue documents that a trusted in-process producer wrote with ``encode_event``
        (the demo's simulator process): validated one by one like any payload, but a
        document that passes unchanged is queued as it is, not encoded again.
        Returns how many were accepted; the others are dead-lettered.
        """
        records = _Records()
        received: dict[str, int] = {}
        decode = self.codec.decode_checked
        for raw in docs:
            try:
                event, unchanged = decode(raw)
                if self.steps:
                    processed = self.steps(event)
                    if processed is None:
                        continue
                    unchanged = unchanged and processed is event
                    event = processed
            except EventError as exc:
                letter = dead_letter_for(
                    raw, exc, source=source, step="validate", component="ingest", scrub=self.scrub
                )
                records.append(encode_dead_letter(letter))
                system = system_label(exc.service)
                self.metrics.received.labels(system).inc()
                self.metrics.rejected.labels(system, exc.code).inc()
                continue
            self._append(records, event, raw if unchanged else None)
            received[event.service] = received.get(event.service, 0) + 1
        self._enqueue(records)
        for system, n in received.items():
            self.metrics.received.labels(system).inc(n)
        return sum(received.values())

    def submit_events(self, events: Sequence[Event]) -> int:
        """Queue events built in-process (the simulator, the in-process SDK transport).

        They are validated like any other event; one that fails is dead-lettered.
        """
        self.wait_for_room()
        records = _Records()
        decode = self.codec.decode
        for e in events:
            raw = encode_event(e)
            try:
                valid = decode(raw)
                if self.steps:
                    processed = self.steps(valid)
                    if processed is None:
                        continue
                    if processed is not valid:
                        self._append(records, processed)
                        continue
                # The document is already canonical unless normalizing changed something:
                # a struct built in Python can only differ in its timestamp or level.
                ts = e.timestamp
                same = ts.tzinfo is UTC and ts.microsecond % 1000 == 0 and valid.level == e.level
                self._append(records, valid, raw if same else None)
            except EventError as exc:
                letter = dead_letter_for(
                    raw,
                    exc,
                    source="in-process",
                    step="validate",
                    component="ingest",
                    scrub=self.scrub,
                )
                records.append(encode_dead_letter(letter))
                self.metrics.rejected.labels(system_label(e.service), exc.code).inc()
        self._enqueue(records)
        counts: dict[str, int] = {}
        for e in events:
            system = system_label(e.service)
            counts[system] = counts.get(system, 0) + 1
        for system, n in counts.items():
            self.metrics.received.labels(system).inc(n)
        return len(records)

    def submit_reject(self, raw: bytes, error: EventError, *, source: str | None = None) -> None:
        """Queue a dead letter for a payload rejected before it could be split into events."""
        letter = dead_letter_for(
            raw,
            error,
            source=source or self.source,
            step="decode",
            component="ingest",
            scrub=self.scrub,
        )
        self.queue.append([encode_dead_letter(letter)])
        self.metrics.rejected.labels("unknown", error.code).inc()


def check_signature(
    policy: SignaturePolicy, service: str, raw: bytes, labels: dict[str, Any] | None = None
) -> None:
    """Raise :class:`InvalidEventError` (``signature_unsigned|forged|unknown_key``) when
    ``service`` must sign and ``raw`` carries no valid signature (checked on the producer's
    bytes, before anything normalizes or masks them)."""
    verdict = policy.check(service, raw, claimed=labels.get("sig") if labels else None)
    if not verdict.accept:
        raise InvalidEventError(
            f"labels.sig: {verdict.detail or verdict.reason}; {service} must sign its events "
            "with its current key (SDK option signing_key)",
            code=f"signature_{verdict.reason}",
            path="$.labels.sig",
            service=service,
        )
