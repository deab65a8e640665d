"""Two simulated days of the company in an in-memory store, folded into the analytic schema."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from logyard.analytics import Analyzer
from logyard.catalog import Event
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore

START = datetime(2026, 11, 24, tzinfo=UTC)
DAYS = 2


@dataclass
class SimWorld:
    events: list[Event]
    store: DuckDBStore
    analyzer: Analyzer


@pytest.fixture(scope="session")
def sim_world() -> Iterator[SimWorld]:
    """Seed 7, one event per second for two days (~190k events), stored in batches of
    20k and folded in by batches of 7k (so facts of one order span several runs)."""
    events = list(Simulator(seed=7, rate=1.0, start=START).events(DAYS * 86_400))
    store = DuckDBStore(None)
    for i in range(0, len(events), 20_000):
        store.write(WriteBatch(events=events[i : i + 20_000]))
    analyzer = Analyzer(store, batch_size=7_000)
    analyzer.catch_up()
    yield SimWorld(events, store, analyzer)
    store.close()
