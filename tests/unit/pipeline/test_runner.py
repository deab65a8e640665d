"""The standalone processor's runner and config: ack after store, dead letters, retries."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import msgspec
import pytest

from logyard.catalog import OrderAssigned, encode_event
from logyard.errors import ConfigError, StoreError
from logyard.pipeline import PipelineMetrics
from logyard.pipeline._config import parse_config
from logyard.pipeline._runner import InputRunner
from logyard.pipeline.inputs import InputBatch, InputConfig, InputError, Message
from logyard.store import SearchRequest, WriteBatch, WriteResult
from logyard.store.duckdb import DuckDBStore

NOW = datetime.now(UTC) - timedelta(minutes=1)


class ListInput:
    """An input over a list of messages (our own interface, for the runner's tests)."""

    config_class: ClassVar[type[InputConfig]] = InputConfig

    def __init__(self, messages: list[Message], *, fail_opens: int = 0) -> None:
        self.name = "list"
        self.pending = list(messages)
        self.acked: list[list[str]] = []
        self.fail_opens = fail_opens
        self.closed = False
        self.stop: threading.Event | None = None

    def open(self) -> None:
        if self.fail_opens:
            self.fail_opens -= 1
            raise InputError("list: cannot reach 127.0.0.1:1; is it running?")

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        batch, self.pending = self.pending[:max_messages], self.pending[max_messages:]
        if not batch and self.stop is not None:
            self.stop.set()  # drained: end the run
        return InputBatch(batch)

    def ack(self, batch: InputBatch) -> None:
        self.acked.append([m.coordinates for m in batch.messages])

    def close(self) -> None:
        self.closed = True


class FlakyStore(DuckDBStore):
    """The real DuckDB store, refusing the first ``failures`` writes (a store outage)."""

    def __init__(self, path: Path, failures: int) -> None:
        super().__init__(path)
        self.failures = failures

    def write(self, batch: WriteBatch) -> WriteResult:
        if self.failures:
            self.failures -= 1
            raise StoreError("duckdb store: disk unavailable; retry later")
        return super().write(batch)


def event_json(n: int) -> bytes:
    return encode_event(
        OrderAssigned(
            timestamp=NOW,
            event_id=f"id-{n}",
            service="mes",
            user_name="ivanova",
            order_id=f"ORD-{n}",
            operator="petrov",
        )
    )


def run(source: ListInput, store: DuckDBStore, **kw: float) -> InputRunner:
    stop = threading.Event()
    source.stop = stop
    runner = InputRunner("list", source, store, PipelineMetrics(), batch_max_events=2, **kw)  # type: ignore[arg-type]
    runner.run(stop)
    return runner


def test_good_and_bad_messages_are_stored_or_dead_lettered_then_acked(tmp_path: Path) -> None:
    """Valid messages are stored, an event-less message gets its derived id, invalid ones
    are dead letters with their coordinates, and each batch is acked after the write."""
    no_id = msgspec.json.decode(event_json(9))
    del no_id["event.id"]
    messages = [
        Message("list:0", payload=event_json(0)),
        Message("list:1", payload=b"not json"),
        Message("list:2", event=no_id),
        Message("list:3", payload=b"x", headers={"error": "corrupt gzip member"}),
    ]
    source = ListInput(messages)
    store = DuckDBStore(tmp_path / "s.duckdb")
    runner = run(source, store)
    hits = store.search(SearchRequest(size=10)).hits
    assert sorted(h["event.id"] for h in hits) == sorted(["id-0", messages[2].default_id])
    letters = {d.source: d.reason_code for d in store.dead_letters()}
    assert letters == {"list:list:1": "invalid_json", "list:list:3": "unreadable_source"}
    assert source.acked == [["list:0", "list:1"], ["list:2", "list:3"]]
    assert (runner.stats.stored, runner.stats.dead_letters, source.closed) == (2, 2, True)
    store.close()


def test_store_outage_pauses_the_input_and_acks_only_after_the_write(tmp_path: Path) -> None:
    """Two failed writes are retried with backoff; the batch is acked once, after success."""
    source = ListInput([Message("list:0", payload=event_json(0))])
    store = FlakyStore(tmp_path / "s.duckdb", failures=2)
    runner = run(source, store, retry_max_secs=0.05)
    assert (runner.stats.store_retries, source.acked, store.count()) == (2, [["list:0"]], 1)
    store.close()


def test_unreachable_input_is_retried_until_it_answers(tmp_path: Path) -> None:
    """An input that cannot open is retried (with the reason logged), then read."""
    source = ListInput([Message("list:0", payload=event_json(0))], fail_opens=2)
    store = DuckDBStore(tmp_path / "s.duckdb")
    runner = run(source, store, retry_max_secs=0.05)
    assert (runner.stats.input_retries, store.count()) == (2, 1)
    store.close()


def test_config_reports_every_problem_with_its_path_and_hides_secrets() -> None:
    """One run of the validator lists all errors; unknown types list the known ones; a
    secret-looking value is never echoed."""
    raw = {
        "processor": {"batch_max_events": 0},
        "inputs": {
            "x": {"type": "nosuch"},
            "y": {},
            "z": {"type": "s3", "bucket": "b", "secret_access_key": "hunter2"},
        },
    }
    with pytest.raises(ConfigError) as info:
        parse_config(raw)
    text = str(info.value)
    assert "inputs.x.type: unknown input type 'nosuch'; use one of kafka, postgres" in text
    assert "inputs.y.type: required" in text
    assert "inputs.z.secret_access_key" in text
    assert "hunter2" not in text
    assert "processor.batch_max_events" in text


def test_config_without_inputs_says_what_to_add() -> None:
    """An empty config names the missing section."""
    with pytest.raises(ConfigError, match=r"inputs: no input declared"):
        parse_config({})
