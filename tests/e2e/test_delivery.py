"""kill -9 of `logyard process` reading Kafka, PostgreSQL, RabbitMQ and S3 at once: after
restarts the store holds exactly what was produced — 0 lost, 0 duplicated."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

AMQP = os.environ.get("LOGYARD_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
PG = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[dict[str, str]]:
    from tests.integration.kafka._tansu import TansuBroker
    from tests.integration.s3._moto import FAKE_CREDENTIALS, MotoServer

    broker = TansuBroker(tmp_path / "tansu.log")
    moto = MotoServer()
    try:
        broker.start()
        moto.start()
    except Exception as exc:  # a server that cannot start: fail in CI, skip elsewhere
        broker.stop()
        moto.stop()
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"test servers unavailable: {exc}")
    saved = {k: os.environ.get(k) for k in FAKE_CREDENTIALS}
    os.environ.update(FAKE_CREDENTIALS)
    try:
        yield {"kafka": broker.bootstrap, "s3": moto.url}
    finally:
        broker.stop()
        moto.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Producers:
    """Produces uniquely marked events into all four systems and remembers them."""

    def __init__(self, servers: dict[str, str], tag: str) -> None:
        import boto3
        import pika
        import psycopg
        from confluent_kafka import Producer

        self.tag = tag
        self.topic = f"logs.mes.{tag}"
        self.schema = f"ly_{tag}"
        self.queue = f"orders.{tag}"
        self.bucket = f"b-{tag}"
        self.produced: dict[str, set[str]] = {k: set() for k in ("kafka", "pg", "rmq", "s3")}
        self.kafka = Producer({"bootstrap.servers": servers["kafka"], "acks": "all"})
        self.pg = psycopg.connect(PG, autocommit=True)
        self.pg.execute(f"CREATE SCHEMA {self.schema}")
        self.pg.execute(
            f"CREATE TABLE {self.schema}.audit (audit_id serial PRIMARY KEY, "
            "changed_at timestamptz NOT NULL DEFAULT now(), changed_by text NOT NULL, "
            "order_id text NOT NULL, old_value jsonb NOT NULL, new_value jsonb NOT NULL)"
        )
        self.rmq = pika.BlockingConnection(pika.URLParameters(AMQP))
        self.channel = self.rmq.channel()
        self.channel.queue_declare(self.queue, durable=True)
        self.s3 = boto3.client("s3", endpoint_url=servers["s3"], region_name="us-east-1")
        self.s3.create_bucket(Bucket=self.bucket)
        self.objects = 0

    def produce(self, n: int) -> None:
        import pika

        now = datetime.now(UTC).isoformat()
        for _ in range(n):
            order = f"K-{uuid.uuid4().hex[:12]}"
            event = {
                "@timestamp": now,
                "event.id": str(uuid.uuid4()),
                "event.action": "order.assigned",
                "service.name": "mes",
                "user.name": "ivanova",
                "order.id": order,
                "order.operator": "petrov",
            }
            self.kafka.produce(self.topic, json.dumps(event).encode(), key=order)
            self.produced["kafka"].add(order)
        assert self.kafka.flush(30) == 0
        with self.pg.cursor() as cur:
            rows = [(f"P-{uuid.uuid4().hex[:12]}",) for _ in range(n)]
            cur.executemany(
                f"INSERT INTO {self.schema}.audit (changed_by, order_id, old_value, new_value) "
                """VALUES ('seller', %s, '{"status": "new"}', '{"status": "paid"}')""",
                rows,
            )
            self.produced["pg"].update(r[0] for r in rows)
        for _ in range(n):
            order = f"R-{uuid.uuid4().hex[:12]}"
            self.channel.basic_publish(
                "", self.queue, json.dumps({"order_id": order, "created_at": now}).encode(),
                pika.BasicProperties(delivery_mode=2, message_id=order,
                                     content_type="application/json"),
            )  # fmt: skip
            self.produced["rmq"].add(order)
        lines = []
        for _ in range(n):
            order = f"S-{uuid.uuid4().hex[:12]}"
            lines.append(json.dumps({"@timestamp": now, "event.action": "order.assigned",
                                     "service.name": "mes", "user.name": "legacy",
                                     "order.id": order, "order.operator": "petrov"}))  # fmt: skip
            self.produced["s3"].add(order)
        body = ("\n".join(lines) + "\n").encode()
        gz = self.objects % 2 == 1
        key = f"exports/{self.objects:04d}.ndjson" + (".gz" if gz else "")
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=gzip.compress(body) if gz else body)
        self.objects += 1

    def close(self) -> None:
        self.kafka.flush(10)
        self.pg.execute(f"DROP SCHEMA {self.schema} CASCADE")
        self.pg.close()
        self.channel.queue_delete(self.queue)
        self.rmq.close()


def config(tmp_path: Path, servers: dict[str, str], p: Producers) -> Path:
    path = tmp_path / "pipeline.toml"
    state = tmp_path / "state"
    path.write_text(f"""
[store]
type = "duckdb"
path = "{tmp_path / "logs.duckdb"}"

[processor]
batch_max_events = 150
poll_timeout_secs = 0.2
retry_max_secs = 1
state_dir = "{state}"

[inputs.kafka]
type = "kafka"
brokers = ["{servers["kafka"]}"]
topics = ["{p.topic}"]
group = "g-{p.tag}"
# a killed member is noticed after 6 s instead of Kafka's default 45 s
options = {{ "session.timeout.ms" = "6000", "heartbeat.interval.ms" = "1000" }}

[inputs.pg]
type = "postgres"
dsn = "{PG}"
table = "{p.schema}.audit"
tracking_column = "changed_at"
key_columns = ["audit_id"]
safety_window_secs = 0.3
batch_rows = 70
poll_interval_secs = 0.2
state_dir = "{state}"
[inputs.pg.mapping]
"event.action" = "order.changed"
"service.name" = "crm"
"@timestamp" = "$changed_at"
"user.name" = "$changed_by"
"order.id" = "$order_id"
"order.old" = "$old_value"
"order.new" = "$new_value"

[inputs.rmq]
type = "rabbitmq"
url = "amqp://127.0.0.1:5672/%2F"
password_env = "LY_TEST_AMQP_PASSWORD"
queue = "{p.queue}"
mode = "orders"
prefetch = 90

[inputs.s3]
type = "s3"
bucket = "{p.bucket}"
endpoint_url = "{servers["s3"]}"
access_key_id_env = "AWS_ACCESS_KEY_ID"
secret_access_key_env = "AWS_SECRET_ACCESS_KEY"
poll_interval_secs = 0.2
state_dir = "{state}"
""")
    return path


def start(path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, LY_TEST_AMQP_PASSWORD="guest")
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "logyard.cli._main", "process", "--config", str(path)],
            stdout=out, stderr=out, env=env,
        )  # fmt: skip


def stored(tmp_path: Path) -> dict[str, list[str]]:
    import duckdb

    with duckdb.connect(str(tmp_path / "logs.duckdb"), read_only=True) as db:
        rows = db.execute("SELECT order_id FROM logs WHERE order_id IS NOT NULL").fetchall()
    out: dict[str, list[str]] = {"kafka": [], "pg": [], "rmq": [], "s3": []}
    prefix = {"K": "kafka", "P": "pg", "R": "rmq", "S": "s3"}
    for (order,) in rows:
        out[prefix[order[0]]].append(order)
    return out


def test_kill_9_of_the_processor_loses_and_duplicates_nothing(
    tmp_path: Path, servers: dict[str, str]
) -> None:
    """Five SIGKILLs at random moments while all four sources keep producing; after a
    final clean run every produced item is stored exactly once, per source."""
    rng = random.Random(11)
    p = Producers(servers, uuid.uuid4().hex[:8])
    log = tmp_path / "process.log"
    try:
        path = config(tmp_path, servers, p)
        check = subprocess.run(
            [sys.executable, "-m", "logyard.cli._main", "process", "--check", "--config",
             str(path)], capture_output=True, text=True,
            env=dict(os.environ, LY_TEST_AMQP_PASSWORD="guest"),
        )  # fmt: skip
        assert check.returncode == 0, check.stderr
        for _ in range(5):
            p.produce(200)
            proc = start(path, log)
            time.sleep(rng.uniform(1.0, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        p.produce(200)
        expected = {k: len(v) for k, v in p.produced.items()}
        deadline = time.monotonic() + 120
        while True:
            proc = start(path, log)
            time.sleep(12)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0, log.read_text()[-3000:]
            got = stored(tmp_path)
            print({k: len(v) for k, v in got.items()}, "of", expected)
            if all(len(got[k]) >= expected[k] for k in expected) or time.monotonic() > deadline:
                break
        counts = {k: (expected[k], len(got[k]), len(set(got[k]))) for k in expected}
        print("produced / stored / distinct per source:", counts)
        for source in expected:
            assert len(got[source]) == len(set(got[source])), f"{source}: duplicates"
            assert set(got[source]) == p.produced[source], (
                f"{source}: lost {len(p.produced[source] - set(got[source]))}"
            )
    finally:
        p.close()
