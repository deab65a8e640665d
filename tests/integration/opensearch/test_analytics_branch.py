"""The processor's analytics branch into osmem-server: one runner stores the events, a
second (its own consumer group, facts only) folds them into analytics-* — the same rows as
the embedded branch on the same events, also when a batch is delivered twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import ClassVar

from logyard.analytics import Analyzer, OpenSearchAnalyticsSink
from logyard.analytics._branch import AnalyticsBranch
from logyard.analytics._documents import TABLES
from logyard.catalog import encode_event
from logyard.pipeline import PipelineMetrics
from logyard.pipeline._runner import InputRunner
from logyard.pipeline.inputs import InputBatch, InputConfig, Message
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore
from logyard.store.opensearch import OpenSearchStore

from ._analytics import cluster_rows, duckdb_rows

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class ListInput:
    """An input over a list of messages, ending the run when drained; ``repeat`` delivers
    every batch twice (a crash after the write, before the ack)."""

    config_class: ClassVar[type[InputConfig]] = InputConfig

    def __init__(self, messages: list[Message], *, repeat: bool = False) -> None:
        self.name = "list"
        self.pending = list(messages)
        self.repeat = repeat
        self.last: list[Message] | None = None
        self.stop = threading.Event()

    def open(self) -> None:
        pass

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        if self.repeat and self.last is not None:
            batch, self.last = self.last, None
            return InputBatch(batch)
        batch, self.pending = self.pending[:max_messages], self.pending[max_messages:]
        if not batch:
            self.stop.set()
        self.last = batch
        return InputBatch(batch)

    def ack(self, batch: InputBatch) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_facts_only_group_builds_the_same_analytic_schema(opensearch_url: str) -> None:
    """30 simulated minutes (~3.6k events) in batches of 700: the storing runner puts the
    events in logs-*, the facts-only runner (every batch delivered twice) writes no event
    and builds every analytics-* index exactly as the embedded branch builds its tables."""
    events = list(Simulator(seed=5, rate=2.0, start=START).events(30 * 60))
    messages = [Message(f"list:{i}", payload=encode_event(e)) for i, e in enumerate(events)]
    embedded = DuckDBStore(None)
    embedded.write(WriteBatch(events=events))
    Analyzer(embedded).catch_up()

    logs = OpenSearchStore(opensearch_url, replicas=0)
    storing = ListInput(messages)
    InputRunner("list", storing, logs, PipelineMetrics(), batch_max_events=700).run(storing.stop)  # type: ignore[arg-type]
    stored = logs.count()
    facts_store = OpenSearchStore(opensearch_url, replicas=0)
    sink = OpenSearchAnalyticsSink(opensearch_url, replicas=0)
    branch = AnalyticsBranch(facts_store, sink, store_events=False)
    facts = ListInput(messages, repeat=True)
    runner = InputRunner("list", facts, branch, PipelineMetrics(), batch_max_events=700)  # type: ignore[arg-type]
    runner.run(facts.stop)
    try:
        assert (stored, logs.count(), runner.stats.stored) == (len(events), len(events), 0)
        for table in TABLES:
            assert duckdb_rows(embedded, table) == cluster_rows(opensearch_url, table), table
    finally:
        branch.close()
        logs.close()
        embedded.close()
