"""Steps run after validation and before the queue: what they change is what is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import msgspec

from logyard.catalog import Event, ServiceStarted, encode_event
from logyard.pipeline import Ingest, PipelineMetrics, Processor, WriteAheadQueue
from logyard.pipeline.steps import StepChain
from logyard.store import SearchRequest
from logyard.store.duckdb import DuckDBStore


def shout(event: Event) -> Event:
    return msgspec.structs.replace(event, message=event.message.upper())


def drop_quiet(event: Event) -> Event | None:
    return None if event.message == "quiet" else event


def test_steps_change_and_drop_before_anything_is_queued(tmp_path: Path) -> None:
    """Every ingest path applies the steps: the changed event is stored, the dropped one is
    not (and is counted by step), and the queue never held the original text."""
    metrics = PipelineMetrics()
    queue = WriteAheadQueue(tmp_path / "q")
    store = DuckDBStore(tmp_path / "s.duckdb")
    steps = StepChain([("drop_quiet", drop_quiet), ("shout", shout)], metrics.dropped)
    ingest = Ingest(queue, metrics, steps=steps)

    def started(n: int, message: str) -> ServiceStarted:
        ts = datetime(2026, 1, 1, tzinfo=UTC)
        return ServiceStarted(timestamp=ts, event_id=f"e{n}", service="mes", message=message)

    ingest.submit_events([started(1, "hello"), started(2, "quiet")])
    ingest.submit_raw([encode_event(started(3, "raw"))])
    ingest.submit_encoded([encode_event(started(4, "sim"))], source="t")
    processor = Processor(queue, store, metrics)
    processor.position = queue.start
    processor.run_once()
    hits = sorted((h["event.id"], h["message"]) for h in store.search(SearchRequest()).hits)
    assert hits == [("e1", "HELLO"), ("e3", "RAW"), ("e4", "SIM")]
    assert b"hello" not in b"".join(queue.read(0).records)
    assert metrics.dropped.labels("drop_quiet")._value.get() == 1
    queue.close()
    store.close()
