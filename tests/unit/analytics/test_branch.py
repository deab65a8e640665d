"""The processor's analytics branch without a cluster: what it reads from an event equals
what the DuckDB reader reads from the stored event, and the config says where it works."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from logyard.analytics._branch import AnalyticsBranch, stored_event
from logyard.analytics._normalize import FactBatch
from logyard.analytics._reader import read_after
from logyard.catalog import SYSTEMS, Event, encode_event
from logyard.errors import ConfigError
from logyard.pipeline._config import parse_config
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store._model import EncodedEvents, WriteResult
from logyard.store.duckdb import DuckDBStore

INPUTS = {"all": {"type": "kafka", "brokers": ["127.0.0.1:9092"], "topics": ["logs.mes"]}}


def test_stored_event_is_what_the_duckdb_reader_reads() -> None:
    """For 20 simulated minutes of every system, the event as the branch sees it (from its
    JSON) equals the row the DuckDB reader hands the normalizer (the chain position aside)."""
    events = list(
        Simulator(seed=3, rate=2.0, start=datetime(2026, 11, 25, tzinfo=UTC)).events(1200)
    )
    store = DuckDBStore(None)
    try:
        store.write(WriteBatch(events=events))
        with store.connection() as cur:
            read = [e for s in SYSTEMS for e in read_after(cur, s, 0, 100_000)[0]]
    finally:
        store.close()
    expected = sorted((e._replace(seq=0) for e in read), key=lambda e: e.event_id)
    actual = sorted((stored_event(encode_event(e)) for e in events), key=lambda e: e.event_id)
    assert len(expected) == len(events)
    assert expected == actual


def _config(**analytics: Any) -> dict[str, Any]:
    return {"analytics": analytics, "inputs": INPUTS}


def test_analytics_needs_a_cluster_store() -> None:
    """[analytics] enabled with the embedded store is a config error naming the option."""
    with pytest.raises(
        ConfigError, match=r'analytics.enabled: needs \[store\] type = "opensearch"'
    ):
        parse_config(_config(enabled=True))


def test_analytics_section_on_a_cluster_store() -> None:
    """With an OpenSearch store the section parses; store_events defaults to true."""
    raw = {**_config(enabled=True), "store": {"type": "opensearch", "url": "http://es:9200"}}
    settings = parse_config(raw).analytics
    assert (settings.enabled, settings.store_events) == (True, True)


def test_unknown_analytics_option() -> None:
    """A misspelt option is reported with its path."""
    with pytest.raises(ConfigError, match=r"analytics\.store_event: Extra inputs"):
        parse_config(_config(store_event=False))


def test_the_documented_example_parses() -> None:
    """The [analytics] example of docs/metrics.md ("Distributed setup") is a valid config:
    a facts-only group on the cluster store."""
    import tomllib
    from pathlib import Path

    text = (Path(__file__).parents[3] / "docs" / "metrics.md").read_text()
    section = text[text.index("## Distributed setup") :]
    block = section[section.index("```toml") + len("```toml") : section.index("```\n", 8)]
    config = parse_config(tomllib.loads(block))
    actual = (config.store.type, config.analytics.enabled, config.analytics.store_events)
    assert actual == ("opensearch", True, False)


class _Store:
    """Records the batches written to it."""

    def __init__(self) -> None:
        self.batches: list[WriteBatch] = []

    def write(self, batch: WriteBatch) -> WriteResult:
        self.batches.append(batch)
        return WriteResult(stored=0, duplicates=0, dead_letters=0)


class _Sink:
    """Records the fact batches applied to it."""

    def __init__(self) -> None:
        self.applied: list[FactBatch] = []

    def apply(self, batch: FactBatch, cursors: Any) -> None:
        self.applied.append(batch)


def _encoded(events: list[Event]) -> list[EncodedEvents]:
    groups: dict[str, list[Event]] = {}
    for e in events:
        groups.setdefault(e.service, []).append(e)
    return [
        EncodedEvents(
            system,
            [e.event_id for e in es],
            [encode_event(e) for e in es],
            min(e.timestamp for e in es),
            max(e.timestamp for e in es),
        )
        for system, es in groups.items()
    ]


def _sorted(batch: FactBatch) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(rows, key=repr) for table, rows in batch.rows.items()}


def test_encoded_events_produce_the_same_facts() -> None:
    """Events the processor hands over as encoded documents (its fast path) produce the
    same facts as the same events passed decoded, and an event passed in both forms is
    counted once."""
    events = list(Simulator(seed=5, rate=2.0, start=datetime(2026, 11, 25, tzinfo=UTC)).events(600))
    by_kind: dict[str, FactBatch] = {}
    for kind, batch in {
        "events": WriteBatch(events=events),
        "encoded": WriteBatch(encoded=_encoded(events)),
        "both": WriteBatch(events=events[:300], encoded=_encoded(events)),
    }.items():
        store, sink = _Store(), _Sink()
        AnalyticsBranch(store, sink).write(batch)  # type: ignore[arg-type]
        assert store.batches[0].encoded == batch.encoded
        (by_kind[kind],) = sink.applied
    assert by_kind["events"].events == len(events)
    assert any(by_kind["events"].rows.values())
    for kind in ("encoded", "both"):
        assert by_kind[kind].events == len(events)
        assert _sorted(by_kind[kind]) == _sorted(by_kind["events"])
        assert by_kind[kind].activity == by_kind["events"].activity
