"""The distributed analytics branch end to end: two ``logyard process`` configurations on
the same Kafka topic (Tansu), one storing the events in the cluster, one — its own consumer
group with ``[analytics] enabled = true, store_events = false`` — building analytics-*."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from tests.integration.kafka._tansu import TEST_CONSUMER_OPTIONS, TansuBroker, create_topics
from tests.integration.kafka.conftest import KafkaNames, kafka_broker, kafka_names

from logyard.analytics import Analyzer
from logyard.analytics._documents import TABLES
from logyard.catalog import encode_event
from logyard.pipeline._config import parse_config
from logyard.pipeline._standalone import StandaloneProcessor
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore
from logyard.store.opensearch._client import ClientSettings, ClusterClient

from ._analytics import cluster_rows, duckdb_rows
from ._osmem import opensearch_url, osmem

__all__ = ["kafka_broker", "kafka_names", "opensearch_url", "osmem"]

START = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _processor(
    url: str, broker: TansuBroker, topic: str, group: str, state: Path, analytics: bool
) -> StandaloneProcessor:
    raw = {
        "store": {"type": "opensearch", "url": url},
        "processor": {"state_dir": str(state), "poll_timeout_secs": 0.2},
        "mask": {"enabled": False},
        "analytics": {"enabled": analytics, "store_events": not analytics},
        "inputs": {
            "all": {"type": "kafka", "brokers": [broker.bootstrap], "topics": [topic],
                    "group": group, "options": TEST_CONSUMER_OPTIONS},
        },
    }  # fmt: skip
    return StandaloneProcessor(parse_config(raw))


def _count(client: ClusterClient, index: str) -> int:
    resp = client.request("POST", f"/{index}/_count", params={"ignore_unavailable": "true"})
    return int(resp.body["count"]) if resp.ok else 0


def test_an_analytics_consumer_group_builds_analytics_indices(
    kafka_broker: TansuBroker, kafka_names: KafkaNames, opensearch_url: str, tmp_path: Path
) -> None:
    """10 simulated minutes on a two-partition topic: the storing group stores every event
    in logs-*, the analytics group builds every analytics-* index exactly as the embedded
    branch builds its tables from the same events."""
    from confluent_kafka import Producer

    events = list(Simulator(seed=9, rate=2.0, start=START).events(600))
    topic = kafka_names.topic("logs")
    create_topics(kafka_broker.bootstrap, [topic], partitions=2)
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for event in events:
        producer.produce(topic, encode_event(event), key=event.service.encode())
    assert producer.flush(10) == 0
    embedded = DuckDBStore(None)
    embedded.write(WriteBatch(events=events))
    Analyzer(embedded).catch_up()

    processors = [
        _processor(opensearch_url, kafka_broker, topic, kafka_names.group("store"),
                   tmp_path / "store", analytics=False),
        _processor(opensearch_url, kafka_broker, topic, kafka_names.group("analytics"),
                   tmp_path / "analytics", analytics=True),
    ]  # fmt: skip
    client = ClusterClient(ClientSettings(urls=(opensearch_url,)))
    try:
        for p in processors:
            p.start()
        expected = {t: duckdb_rows(embedded, t) for t in TABLES}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until both groups are through (or give up)
            client.request("POST", "/logs-*,analytics-*/_refresh")
            done = _count(client, "logs-*") == len(events)
            if done and all(expected[t] == cluster_rows(opensearch_url, t) for t in TABLES):
                break
            time.sleep(0.5)
    finally:
        for p in processors:
            p.stop()
    try:
        assert (_count(client, "logs-*"), processors[1].runners[0].stats.stored) == (len(events), 0)
        for table in TABLES:
            assert expected[table] == cluster_rows(opensearch_url, table), table
    finally:
        client.close()
        embedded.close()
