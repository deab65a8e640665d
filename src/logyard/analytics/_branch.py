"""The analytics branch of ``logyard process`` (the distributed setup): a store that also
folds what it stores into ``analytics-*`` facts in the same cluster.

::

    [store]
    type = "opensearch"
    url = "https://es:9200"

    [analytics]
    enabled = true
    store_events = false    # facts only: another consumer group stores the events

    [inputs.all]
    type = "kafka"
    group_id = "logyard-analytics"      # its own consumer group on the same topics
    topics = ["logs.mes", "logs.mes-api", ...]

The runner acknowledges a batch (Kafka commit, RabbitMQ ack, state file) only after
:meth:`AnalyticsBranch.write` returns, and that writes, in order: the events (unless
``store_events = false``) and dead letters, the facts, then the input's checkpoint if the
batch carries one. Everything is keyed by event id, so a crash anywhere before the ack
replays the batch and changes nothing. The position of this branch is its input's own
(the consumer group's committed offsets), so the sink's cursors are not used here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from logyard.analytics._normalize import NORMALIZED_ACTIONS, FactBatch, StoredEvent
from logyard.catalog import Event, encode_event
from logyard.errors import ConfigError
from logyard.store._model import (
    AggregateRequest,
    AggregateResult,
    DeadLetter,
    EncodedEvents,
    SearchRequest,
    SearchResult,
    WriteBatch,
    WriteResult,
)

if TYPE_CHECKING:
    from logyard.analytics._opensearch import OpenSearchAnalyticsSink
    from logyard.store._base import Store

__all__ = ["AnalyticsBranch", "stored_event"]

_log = logging.getLogger("logyard.analytics")


class _Envelope(msgspec.Struct):
    ts: str = msgspec.field(name="@timestamp")
    event_id: str = msgspec.field(name="event.id")
    action: str = msgspec.field(name="event.action")
    system: str = msgspec.field(name="service.name")
    host: str | None = msgspec.field(name="host.name", default=None)
    trace_id: str | None = msgspec.field(name="trace.id", default=None)
    user_name: str | None = msgspec.field(name="user.name", default=None)
    order_id: str | None = msgspec.field(name="order.id", default=None)


_ENVELOPE = msgspec.json.Decoder(_Envelope)


def _naive_ms(text: str) -> datetime:
    ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    ts = ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo is not None else ts
    return ts.replace(microsecond=ts.microsecond - ts.microsecond % 1000)


def stored_event(doc: bytes) -> StoredEvent:
    """An event's stored JSON as the analytics reader hands it over (the same columns the
    DuckDB store extracts: naive UTC milliseconds, the document only where it is needed)."""
    env = _ENVELOPE.decode(doc)
    return StoredEvent(
        0, _naive_ms(env.ts), env.event_id, env.action, env.system, env.host, env.user_name,
        env.trace_id, env.order_id,
        doc.decode() if env.action in NORMALIZED_ACTIONS else None,
    )  # fmt: skip


def facts_of(events: Sequence[Event], encoded: Sequence[EncodedEvents] = ()) -> FactBatch:
    """The facts of ``events`` and of the documents in ``encoded`` (each event id once,
    whichever form it came in; documents that do not normalize are counted in ``skipped``
    by reason and logged)."""
    batch = FactBatch()
    seen: set[str] = set()
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            batch.add(stored_event(encode_event(event)))
    for group in encoded:
        for event_id, doc in zip(group.ids, group.docs, strict=True):
            if event_id not in seen:
                seen.add(event_id)
                batch.add(stored_event(doc))
    for reason, n in batch.skipped.items():
        _log.warning("analytics: %d event(s) skipped: %s", n, reason)
    return batch


class AnalyticsBranch:
    """A :class:`~logyard.store.Store` over another one that also writes the facts of what
    it stores to an :class:`OpenSearchAnalyticsSink` (reads go to the inner store)."""

    def __init__(
        self, store: Store, sink: OpenSearchAnalyticsSink, *, store_events: bool = True
    ) -> None:
        self.store = store
        self.sink = sink
        self.store_events = store_events

    @classmethod
    def on_store(cls, store: Store, *, store_events: bool = True) -> AnalyticsBranch:
        """The branch into the cluster of an ``OpenSearchStore``."""
        from logyard.analytics._opensearch import OpenSearchAnalyticsSink
        from logyard.store.opensearch import OpenSearchStore

        if not isinstance(store, OpenSearchStore):
            raise ConfigError(
                f"analytics.enabled: the processor's store is {type(store).__name__}; the "
                'analytics branch of `logyard process` needs [store] type = "opensearch" '
                "(the embedded store builds its facts inside `logyard up`)"
            )
        return cls(store, OpenSearchAnalyticsSink.for_settings(store.settings),
                   store_events=store_events)  # fmt: skip

    def __repr__(self) -> str:
        return f"AnalyticsBranch({self.store!r}, {self.sink!r}, store_events={self.store_events})"

    def write(self, batch: WriteBatch) -> WriteResult:
        """Events and dead letters, then their facts, then the checkpoint."""
        first = WriteBatch(
            events=batch.events if self.store_events else (),
            encoded=batch.encoded if self.store_events else (),
            originals=batch.originals if self.store_events else (),
            dead_letters=batch.dead_letters,
        )
        result = self.store.write(first)
        self.sink.apply(facts_of(batch.events, batch.encoded), {})
        if batch.checkpoint is not None:
            self.store.write(WriteBatch(checkpoint=batch.checkpoint))
        return result

    def read_checkpoint(self, name: str) -> int | None:
        return self.store.read_checkpoint(name)

    def search(self, request: SearchRequest) -> SearchResult:
        return self.store.search(request)

    def aggregate(self, request: AggregateRequest) -> AggregateResult:
        return self.store.aggregate(request)

    def dead_letters(
        self, *, limit: int = 100, reason_code: str | None = None, since: datetime | None = None
    ) -> list[DeadLetter]:
        return self.store.dead_letters(limit=limit, reason_code=reason_code, since=since)

    def dead_letters_by_id(self, ids: Sequence[str]) -> list[DeadLetter]:
        return self.store.dead_letters_by_id(ids)

    def delete_dead_letters(self, ids: Sequence[str]) -> int:
        return self.store.delete_dead_letters(ids)

    def count(self, system: str | None = None) -> int:
        return self.store.count(system)

    def heartbeat(self) -> None:
        self.store.heartbeat()

    def health_check(self) -> None:
        self.store.health_check()

    def close(self) -> None:
        self.sink.close()
        self.store.close()
