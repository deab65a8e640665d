"""The standalone processor's runner writing into the OpenSearch store (osmem-server):
valid events stored, invalid ones and a mapping conflict dead-lettered, every batch
acknowledged only after the store has written it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from logyard.catalog import OrderCreated, encode_event
from logyard.pipeline import PipelineMetrics
from logyard.pipeline._runner import InputRunner
from logyard.pipeline.inputs import InputBatch, InputConfig, Message
from logyard.store import SearchRequest
from logyard.store.opensearch import OpenSearchStore

NOW = datetime.now(UTC) - timedelta(minutes=1)


class ListInput:
    """An input over a list of messages (our own interface), ending the run when drained."""

    config_class: ClassVar[type[InputConfig]] = InputConfig

    def __init__(self, messages: list[Message]) -> None:
        self.name = "list"
        self.pending = list(messages)
        self.acked: list[list[str]] = []
        self.stop = threading.Event()

    def open(self) -> None:
        pass

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        batch, self.pending = self.pending[:max_messages], self.pending[max_messages:]
        if not batch:
            self.stop.set()
        return InputBatch(batch)

    def ack(self, batch: InputBatch) -> None:
        self.acked.append([m.coordinates for m in batch.messages])

    def close(self) -> None:
        pass


def order(n: int, qty: object) -> bytes:
    return encode_event(
        OrderCreated(timestamp=NOW + timedelta(seconds=n), event_id=f"o{n}", service="crm",
                     user_name="kuznetsova", order_id=f"ORD-{n}", params={"qty": qty})
    )  # fmt: skip


def test_runner_stores_dead_letters_and_acks_after_the_write(opensearch_url: str) -> None:
    """Batches of two: o0 and o2 stored; "not json" an invalid_json dead letter; o1 (qty as
    text after a number) a mapping_conflict dead letter; both batches acked in order."""
    messages = [
        Message("list:0", payload=order(0, 2)),
        Message("list:1", payload=b"not json"),
        Message("list:2", payload=order(1, "two")),
        Message("list:3", payload=order(2, 3)),
    ]
    source = ListInput(messages)
    store = OpenSearchStore(opensearch_url, replicas=0)
    runner = InputRunner("list", source, store, PipelineMetrics(), batch_max_events=2)  # type: ignore[arg-type]
    runner.run(source.stop)
    hits = [h["event.id"] for h in store.search(SearchRequest(size=10)).hits]
    letters = sorted((d.reason_code, d.service or "") for d in store.dead_letters())
    found = (hits, letters, source.acked, runner.stats.stored)
    expected = (
        ["o2", "o0"],
        [("invalid_json", ""), ("mapping_conflict", "crm")],
        [["list:0", "list:1"], ["list:2", "list:3"]],
        2,
    )
    assert expected == found
    store.close()
