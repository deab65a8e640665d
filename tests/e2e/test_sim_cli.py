"""`logyard sim` feeds the distributed pipeline: events to Kafka, orders to RabbitMQ."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

pytestmark = pytest.mark.slow

AMQP = os.environ.get("LOGYARD_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def test_sim_sends_events_to_kafka_and_incoming_orders_to_rabbitmq(kafka_bootstrap: str) -> None:
    """Three seconds of traffic: the systems' topics fill, no order.received goes to Kafka
    (those arrive through the queue), and the queue holds the orders."""
    import pika
    from confluent_kafka import Consumer

    queue = f"orders.{uuid.uuid4().hex[:8]}"
    done = subprocess.run(
        [sys.executable, "-m", "logyard.cli._main", "sim", "--kafka", kafka_bootstrap,
         "--rabbitmq", AMQP, "--queue", queue, "--rate", "400", "--duration", "3"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    consumer = Consumer(
        {"bootstrap.servers": kafka_bootstrap, "group.id": queue, "auto.offset.reset": "earliest",
         "session.timeout.ms": "2000", "heartbeat.interval.ms": "300"}
    )  # fmt: skip
    consumer.subscribe(["^logs\\..*"])
    actions: dict[str, int] = {}
    topics: set[str] = set()
    idle = 0
    for _ in range(30):  # until the topics are drained (two empty reads after data)
        messages = [m for m in consumer.consume(1000, 0.5) if m.error() is None]
        idle = idle + 1 if not messages and actions else 0
        if idle == 2:
            break
        for msg in messages:
            topics.add(msg.topic())
            action = json.loads(msg.value())["event.action"]
            actions[action] = actions.get(action, 0) + 1
    consumer.close()
    connection = pika.BlockingConnection(pika.URLParameters(AMQP))
    channel = connection.channel()
    waiting = channel.queue_declare(queue, durable=True, passive=True).method.message_count
    channel.queue_delete(queue)
    connection.close()
    assert sum(actions.values()) > 500
    assert "order.received" not in actions
    assert {"logs.internet-shop", "logs.shop-api", "logs.mes"} <= topics
    assert waiting > 0
