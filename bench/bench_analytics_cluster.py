"""Benchmark: the analytics branch into osmem-server vs the embedded DuckDB sink.

Run: .venv/bin/python bench/bench_analytics_cluster.py [--events N] [--batch N]

The same simulated events are stored in an in-memory DuckDB store, then folded into the
analytic schema by ``Analyzer`` in batches of ``--batch`` events:

* duckdb — ``DuckDBAnalyticsSink`` (the schema ``analytics`` of the store's file)
* osmem  — ``OpenSearchAnalyticsSink`` on a fresh osmem-server clone (facts, derived rows
  read back and recomputed, activity merged, cursors)

and then every cluster-capable metric is computed once over the whole range on each side.
Figures are events folded per second and seconds for all metrics, one run on one machine.
osmem-server is an in-memory server on loopback, not a cluster: the figure is the sink's own
cost (documents, bulk requests, read-backs) plus osmem's, not what a real cluster sustains.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from osmem_server import OsmemServer

from _machine import describe
from logyard.analytics import Analyzer, DuckDBAnalyticsSink, OpenSearchAnalyticsSink
from logyard.analytics.metrics import CLUSTER_METRICS, compute, compute_all_on_cluster
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore
from logyard.store.opensearch import OpenSearchStore

START = datetime(2026, 11, 24, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=20_000)
    args = parser.parse_args()
    rate = 4.0
    events = list(Simulator(seed=7, rate=rate, start=START).events(int(args.events / rate)))
    end = START + timedelta(seconds=args.events / rate + 60)
    store = DuckDBStore(None)
    for i in range(0, len(events), 50_000):
        store.write(WriteBatch(events=events[i : i + 50_000]))
    print(describe())
    print(f"{len(events)} stored events, batches of {args.batch}")

    t0 = time.perf_counter()
    Analyzer(store, DuckDBAnalyticsSink(store.connection), batch_size=args.batch).catch_up()
    duck_fold = time.perf_counter() - t0

    server = OsmemServer.start(japanese=False)
    try:
        clone = server.clone()
        logs = OpenSearchStore(clone.url, refresh="false", replicas=0)
        for i in range(0, len(events), 20_000):
            logs.write(WriteBatch(events=events[i : i + 20_000]))
        logs.close()
        sink = OpenSearchAnalyticsSink(clone.url, replicas=0)
        t0 = time.perf_counter()
        Analyzer(store, sink, batch_size=args.batch).catch_up()
        sink.refresh()
        os_fold = time.perf_counter() - t0
        sink.client.request("POST", "/logs-*/_refresh")

        t0 = time.perf_counter()
        with store.connection() as cur:
            for name in CLUSTER_METRICS:
                compute(cur, name, time_from=START, time_to=end)
        duck_metrics = time.perf_counter() - t0
        t0 = time.perf_counter()
        compute_all_on_cluster(sink.client, time_from=START, time_to=end)
        os_metrics = time.perf_counter() - t0
        sink.close()
        clone.close()
    finally:
        server.close()
        store.close()
    n = len(events)
    print(f"{'sink':<8} {'events/s folded':>16} {'fold secs':>10} {'metrics secs':>13}")
    print(f"{'duckdb':<8} {n / duck_fold:>16,.0f} {duck_fold:>10.2f} {duck_metrics:>13.2f}")
    print(f"{'osmem':<8} {n / os_fold:>16,.0f} {os_fold:>10.2f} {os_metrics:>13.2f}")
    print(f"metrics: the {len(CLUSTER_METRICS)} cluster-capable ones over the whole range")


if __name__ == "__main__":
    main()
