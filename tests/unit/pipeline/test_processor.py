"""The processor moves every queue record to the store or the dead-letter table, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from logyard.catalog import EventCodec, OrderAssigned, encode_event
from logyard.errors import InvalidEventError
from logyard.pipeline import Ingest, PipelineMetrics, Processor, WriteAheadQueue
from logyard.pipeline._processor import CHECKPOINT
from logyard.pipeline._records import EVENT, dead_letter_for, encode_dead_letter, encode_valid
from logyard.store import SearchRequest, Sort
from logyard.store.duckdb import DuckDBStore

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)


def assigned(n: int) -> OrderAssigned:
    return OrderAssigned(
        timestamp=NOW + timedelta(seconds=n),
        event_id=f"e{n:03d}",
        service="mes",
        user_name="ivanova",
        order_id=f"ORD-{n}",
        operator="petrov",
    )


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[WriteAheadQueue, DuckDBStore, Processor]]:
    queue = WriteAheadQueue(tmp_path / "queue")
    store = DuckDBStore(tmp_path / "logs.duckdb")
    processor = Processor(queue, store, PipelineMetrics())
    processor.position = queue.start
    yield queue, store, processor
    queue.close()
    store.close()


def stored_ids(store: DuckDBStore) -> list[str]:
    hits = store.search(SearchRequest(size=1000, sort=(Sort("@timestamp", "asc"),))).hits
    return [h["event.id"] for h in hits]


def test_all_three_record_kinds_reach_their_table(
    parts: tuple[WriteAheadQueue, DuckDBStore, Processor],
) -> None:
    """V (validated) and E (raw) records are stored; D records and invalid E records are
    dead letters with their reason; the checkpoint is the queue end."""
    queue, store, processor = parts
    bad = msgspec.json.encode({"event.action": "order.assigned", "service.name": "mes"})
    letter = dead_letter_for(
        b"{", InvalidEventError("x: y; z", code="invalid_json"), source="t", step="s", component="c"
    )
    queue.append(
        [
            encode_valid(assigned(1)),
            EVENT + encode_event(assigned(2)),
            EVENT + bad,
            encode_dead_letter(letter),
        ]
    )
    assert processor.run_once()
    assert not processor.run_once()
    assert stored_ids(store) == ["e001", "e002"]
    codes = sorted(d.reason_code for d in store.dead_letters())
    assert codes == ["invalid_field", "invalid_json"]
    assert store.read_checkpoint(CHECKPOINT) == queue.end


def test_replaying_a_batch_stores_nothing_twice(
    parts: tuple[WriteAheadQueue, DuckDBStore, Processor],
) -> None:
    """A processor that restarts before its checkpoint (crash) re-reads the batch; the
    store keeps one copy per event id."""
    queue, store, processor = parts
    queue.append([encode_valid(assigned(n)) for n in range(5)])
    processor.run_once()
    again = Processor(queue, store, PipelineMetrics())
    again.position = queue.start  # as if the checkpoint had been lost
    again.run_once()
    assert stored_ids(store) == [f"e{n:03d}" for n in range(5)]


def test_ingest_then_processor_end_to_end(
    parts: tuple[WriteAheadQueue, DuckDBStore, Processor],
) -> None:
    """In-process and raw submissions both arrive; a raw event from the wrong system is a
    dead letter naming the field."""
    queue, store, processor = parts
    ingest = Ingest(queue, processor.metrics, codec=EventCodec())
    ingest.submit_events([assigned(1)])
    wrong = msgspec.json.encode(
        {**msgspec.json.decode(encode_event(assigned(2))), "service.name": "crm"}
    )
    results = ingest.submit_raw([encode_event(assigned(3)), wrong])
    assert [r.status for r in results] == ["accepted", "rejected"]
    assert results[1].path == "$.service.name"
    processor.run_once()
    assert stored_ids(store) == ["e001", "e003"]
    (letter,) = store.dead_letters()
    assert (letter.reason_code, letter.service, letter.raw) == ("wrong_system", "crm", wrong)
