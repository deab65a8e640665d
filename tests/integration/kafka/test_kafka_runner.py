"""The processor over a real Kafka partition: a poison message never stalls it."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from tests.integration.kafka._tansu import TEST_CONSUMER_OPTIONS, TansuBroker, create_topics
from tests.integration.kafka.conftest import KafkaNames

from logyard.pipeline import PipelineMetrics
from logyard.pipeline._runner import InputRunner
from logyard.pipeline.inputs.kafka import KafkaInput, KafkaInputConfig
from logyard.store import SearchRequest
from logyard.store.duckdb import DuckDBStore


def test_poison_messages_are_dead_lettered_and_the_partition_moves_on(
    kafka_broker: TansuBroker, kafka_names: KafkaNames, tmp_path: Path
) -> None:
    """An undecodable value and a wrong-schema event between good ones on one partition:
    the good ones are stored, the two bad ones are dead letters with their coordinates and
    reasons, and the offsets are committed past all of them."""
    from confluent_kafka import Producer

    topic = kafka_names.topic("poison")
    create_topics(kafka_broker.bootstrap, [topic], partitions=1)
    good = [
        {
            "@timestamp": datetime.now(UTC).isoformat(),
            "event.id": str(uuid.uuid4()),
            "event.action": "service.started",
            "service.name": "crm",
        }
        for _ in range(3)
    ]
    values = [
        json.dumps(good[0]).encode(),
        b"\xff\xfe not json",
        json.dumps(good[1]).encode(),
        json.dumps({**good[2], "event.action": "order.teleported"}).encode(),
        json.dumps(good[2]).encode(),
    ]
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    for value in values:
        producer.produce(topic, value)
    assert producer.flush(10) == 0

    config = KafkaInputConfig(
        type="kafka",
        brokers=[kafka_broker.bootstrap],
        topics=[topic],
        group=kafka_names.group(),
        options=TEST_CONSUMER_OPTIONS,
    )
    store = DuckDBStore(tmp_path / "s.duckdb")
    source = KafkaInput("k", config)
    runner = InputRunner("k", source, store, PipelineMetrics(), batch_max_events=2)
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 30
    while runner.stats.stored + runner.stats.dead_letters < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(30)

    assert sorted(h["event.id"] for h in store.search(SearchRequest()).hits) == sorted(
        g["event.id"] for g in good
    )
    letters = sorted((d.source, d.reason_code) for d in store.dead_letters())
    assert letters == [
        (f"k:kafka:{topic}/0/1", "invalid_json"),
        (f"k:kafka:{topic}/0/3", "unknown_event"),
    ]
    again = KafkaInput("k", config)  # same group: nothing left to read
    again.open()
    assert again.poll(10, 3.0).messages == []
    again.close()
    store.close()


def test_dead_letters_can_go_to_a_kafka_topic(
    kafka_broker: TansuBroker, kafka_names: KafkaNames, tmp_path: Path
) -> None:
    """With dead_letters.type = "kafka", a rejected message is a JSON document on the DLQ
    topic (reason, coordinates, raw payload), and nothing of it is in the store's table."""
    from confluent_kafka import Producer
    from tests.integration.kafka._tansu import read_all

    from logyard.pipeline.outputs.kafka_dlq import KafkaDeadLetters

    topic, dlq = kafka_names.topic("in"), kafka_names.topic("dlq")
    create_topics(kafka_broker.bootstrap, [topic, dlq], partitions=1)
    producer = Producer({"bootstrap.servers": kafka_broker.bootstrap})
    producer.produce(topic, b'{"event.action": "order.teleported"}')
    assert producer.flush(10) == 0
    config = KafkaInputConfig(
        type="kafka",
        brokers=[kafka_broker.bootstrap],
        topics=[topic],
        group=kafka_names.group(),
        options=TEST_CONSUMER_OPTIONS,
    )
    store = DuckDBStore(tmp_path / "s.duckdb")
    sink = KafkaDeadLetters([kafka_broker.bootstrap], dlq)
    runner = InputRunner(
        "k", KafkaInput("k", config), store, PipelineMetrics(), dead_letter_sink=sink
    )
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    deadline = time.monotonic() + 30
    while runner.stats.dead_letters < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(30)
    sink.close()
    (message,) = read_all(kafka_broker.bootstrap, [dlq], 1)
    letter = json.loads(message.value())
    assert (letter["reason_code"], letter["source"], letter["raw"]) == (
        "unknown_event",
        f"k:kafka:{topic}/0/0",
        '{"event.action": "order.teleported"}',
    )
    assert store.dead_letters() == []
    store.close()
