"""Two `logyard process` in one consumer group split a topic's partitions and feed one
`logyard up`; killing one moves its partitions to the other with no loss and no duplicate."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.e2e._server import LogyardProcess

pytestmark = pytest.mark.slow


def produce(bootstrap: str, topic: str, n: int) -> set[str]:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    now = datetime.now(UTC).isoformat()
    orders = set()
    for _ in range(n):
        order = f"ORD-{uuid.uuid4().hex[:12]}"
        event = {
            "@timestamp": now,
            "event.id": str(uuid.uuid4()),
            "event.action": "order.calculated",
            "service.name": "mes-api",
            "user.name": "planner",
            "order.id": order,
            "order.calculation_duration_ms": 12.5,
        }
        producer.produce(topic, json.dumps(event).encode(), key=order)
        orders.add(order)
    assert producer.flush(30) == 0
    return orders


def assigned(log: Path) -> list[str]:
    """The partitions of the latest 'assigned' line of a processor's log."""
    lines = re.findall(r": assigned (.*)$", log.read_text(errors="replace"), re.MULTILINE)
    return [] if not lines or lines[-1] == "nothing" else lines[-1].split(", ")


def test_two_processors_split_partitions_and_survive_one_kill_9(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    """A and B share the 4 partitions; after A is SIGKILLed, B takes them all and the
    server holds each produced event exactly once."""
    from tests.integration.kafka._tansu import create_topics

    topic = f"logs.mes-api.{uuid.uuid4().hex[:8]}"
    create_topics(kafka_bootstrap, [topic], partitions=4)
    server = LogyardProcess(tmp_path / "server")
    server.start()
    token = json.loads((tmp_path / "server" / "tokens.json").read_text())["ingest"]
    config = tmp_path / "pipeline.toml"
    config.write_text(f"""
[store]
type = "logyard"
url = "{server.url}"
token_env = "LY_INGEST_TOKEN"
[processor]
batch_max_events = 100
poll_timeout_secs = 0.2
state_dir = "{tmp_path / "state"}"
[inputs.apis]
type = "kafka"
brokers = ["{kafka_bootstrap}"]
topics = ["{topic}"]
group = "scale"
options = {{ "session.timeout.ms" = "6000", "heartbeat.interval.ms" = "1000" }}
""")
    env = dict(os.environ, LY_INGEST_TOKEN=token)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = []
    for log in logs:
        with log.open("ab") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "logyard.cli._main", "process", "--config", str(config)],
                    stdout=out,
                    stderr=out,
                    env=env,
                )
            )
    try:
        produced = produce(kafka_bootstrap, topic, 1000)
        deadline = time.monotonic() + 60
        while not (assigned(logs[0]) and assigned(logs[1])) and time.monotonic() < deadline:
            time.sleep(0.2)
        split = (assigned(logs[0]), assigned(logs[1]))
        assert split[0], "A should own partitions"
        assert split[1], "B should own partitions"
        assert sorted(split[0] + split[1]) == [f"{topic}/{p}" for p in range(4)]
        produced |= produce(kafka_bootstrap, topic, 1000)
        time.sleep(1.0)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait(10)
        produced |= produce(kafka_bootstrap, topic, 1000)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            total = server.request("GET", "/api/v1/search?size=0&q=service.name:mes-api")["total"]
            if total >= len(produced) and len(assigned(logs[1])) == 4:
                break
            time.sleep(0.5)
        assert len(assigned(logs[1])) == 4, "B should own every partition after A died"
        hits = server.request("GET", "/api/v1/search?size=10000&q=service.name:mes-api")["hits"]
        stored = [h["order.id"] for h in hits]
        print(f"produced={len(produced)} stored={len(stored)} distinct={len(set(stored))}")
        assert len(stored) == len(set(stored)), "duplicates"
        assert set(stored) == produced, f"lost {len(produced - set(stored))}"
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
        server.stop()
