"""Benchmark (c): `up --demo` at maximum simulator rate on this machine.

Run: .venv/bin/python bench/bench_demo.py [--secs 20]

Measures, in one run and one process (exactly what `logyard up --demo --rate 0` runs):

* sustained stored events/s (store counter over the measuring window, after a warm-up);
* ingest-to-searchable latency: every 200 ms a probe event is submitted through the same
  ingest path and the store is searched for it until found; p50/p99 over all probes;
* side-by-side baselines of the same run: the simulator alone into a no-op sink, and the
  simulator + ingest (encode + fsync'd queue) without the processor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe
from logyard.api import Runtime
from logyard.catalog import Event, ServiceStarted, new_event_id
from logyard.sim import Simulator
from logyard.store import SearchRequest


def stored_total(rt: Runtime) -> float:
    total = 0.0
    for metric in rt.metrics.stored.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                total += sample.value
    return total


def sim_alone(secs: float) -> float:
    count = 0

    def sink(batch: list[Event]) -> None:
        nonlocal count
        count += len(batch)

    stop = threading.Event()
    timer = threading.Timer(secs, stop.set)
    timer.start()
    t0 = time.perf_counter()
    Simulator(seed=3).run(sink, rate=0, stop=stop)
    return count / (time.perf_counter() - t0)


def sim_plus_ingest(secs: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(Path(tmp))
        rt.ingest.max_backlog_bytes = 1 << 62  # no processor runs here: never wait for it
        count = 0

        def sink(batch: list[Event]) -> None:
            nonlocal count
            count += rt.ingest.submit_events(batch)

        stop = threading.Event()
        timer = threading.Timer(secs, stop.set)
        timer.start()
        t0 = time.perf_counter()
        Simulator(seed=3).run(sink, rate=0, stop=stop)
        rate = count / (time.perf_counter() - t0)
        rt.queue.close()
        rt.store.close()
        return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--secs", type=float, default=20.0, help="measuring window")
    parser.add_argument("--warmup", type=float, default=5.0)
    args = parser.parse_args()
    print(f"machine: {describe()}")

    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(Path(tmp), demo_rate=0.0, demo_seed=1)
        rt.start()
        time.sleep(args.warmup)
        latencies: list[float] = []
        s0, t0 = stored_total(rt), time.perf_counter()
        end = t0 + args.secs
        while time.perf_counter() < end:
            probe = ServiceStarted(
                timestamp=datetime.now(UTC),
                event_id=new_event_id(),
                service="mes",
                host="latency-probe",
            )
            rt.ingest.submit_events([probe])
            sent = time.perf_counter()  # accepted = durable in the queue
            query = f'event.id:"{probe.event_id}"'
            while True:
                hit = rt.store.search(
                    SearchRequest(
                        query=query, time_from=probe.timestamp - timedelta(seconds=1), size=1
                    )
                )
                if hit.total:
                    latencies.append(time.perf_counter() - sent)
                    break
                if time.perf_counter() - sent > 30:
                    latencies.append(float("inf"))
                    break
                time.sleep(0.005)
            time.sleep(max(0.0, 0.2 - (time.perf_counter() - sent)))
        s1, t1 = stored_total(rt), time.perf_counter()
        backlog = rt.queue.depth(rt.processor.position)
        rt.stop()
    sustained = (s1 - s0) / (t1 - t0)
    lat = sorted(latencies)
    p50 = statistics.median(lat)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]

    alone = sim_alone(5)
    ingest_only = sim_plus_ingest(5)
    print(f"\n{'measure':<52} {'value':>14}")
    print(f"{'simulator alone (no-op sink), events/s':<52} {alone:>14,.0f}")
    print(f"{'simulator + ingest (encode, fsync queue), events/s':<52} {ingest_only:>14,.0f}")
    print(f"{'up --demo --rate 0: stored events/s (sustained)':<52} {sustained:>14,.0f}")
    print(f"{'  ratio to simulator alone':<52} {sustained / alone:>13.2f}x")
    print(f"{'queue backlog at the end, bytes':<52} {backlog:>14,}")
    print(f"{'ingest-to-searchable latency p50, ms':<52} {p50 * 1000:>14.0f}")
    print(f"{'ingest-to-searchable latency p99, ms':<52} {p99 * 1000:>14.0f}")
    print(f"{'probes':<52} {len(lat):>14}")
    print("\ntargets: >= 50,000 events/s sustained; p99 <= 2,000 ms")


if __name__ == "__main__":
    main()
