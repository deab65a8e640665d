"""Benchmark (point 7 of issue 5): bulk ingest into osmem-server vs the embedded DuckDB store.

Run: .venv/bin/python bench/bench_opensearch.py [--events N] [--batch N] [--rounds N]

The same simulated events, cut into the processor's batches (encoded documents per system,
its fast path), are written to:

* duckdb                 — the embedded store, a file in a temporary directory
* osmem, refresh=false   — OpenSearchStore on osmem-server (the processor's default policy)
* osmem, refresh=wait_for — the same, each batch searchable before the write returns

Besides events/s, the CPU this process used per event: for DuckDB the whole store, for
osmem the backend's side of the bulk path (what a processor spends per event whatever the
cluster), osmem-server's own CPU being another process.

Each round writes into a fresh store (a new DuckDB file, a new osmem clone), so every event
is new; the best round counts. Figures are events/s and the ratio to DuckDB, in one run on
one machine. osmem-server is an in-memory Go server on loopback, not a cluster: the figure
is the backend's own cost (JSON lines, HTTP, per-item parsing) plus osmem's indexing, not
what a real Elasticsearch/OpenSearch cluster sustains.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from osmem_server import OsmemServer

from _machine import describe
from logyard.catalog import Event, encode_event
from logyard.sim import Simulator
from logyard.store import EncodedEvents, Store, WriteBatch
from logyard.store.duckdb import DuckDBStore
from logyard.store.opensearch import OpenSearchStore


def batches(events: list[Event], size: int) -> list[WriteBatch]:
    """The processor's batches: per system, encoded documents with their ids and time range."""
    out = []
    for start in range(0, len(events), size):
        chunk = events[start : start + size]
        by_system: dict[str, list[Event]] = {}
        for e in chunk:
            by_system.setdefault(e.service, []).append(e)
        encoded = [
            EncodedEvents(
                system=system,
                ids=[e.event_id for e in group],
                docs=[encode_event(e) for e in group],
                lo=min(e.timestamp for e in group),
                hi=max(e.timestamp for e in group),
            )
            for system, group in by_system.items()
        ]
        out.append(WriteBatch(encoded=encoded, checkpoint=("bench", start + len(chunk))))
    return out


def best_rate(
    open_store: Callable[[], tuple[Store, Callable[[], None]]],
    work: list[WriteBatch],
    n: int,
    rounds: int,
) -> tuple[float, float]:
    """Events/s of the fastest round and this process's CPU µs per event in it; each round
    opens a fresh store (not timed)."""
    best, cpu = float("inf"), 0.0
    for _ in range(rounds):
        store, cleanup = open_store()
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            stored = sum(store.write(b).stored for b in work)
            wall, used = time.perf_counter() - t0, time.process_time() - c0
            assert stored == n, f"stored {stored} of {n}"
            if wall < best:
                best, cpu = wall, used
        finally:
            store.close()
            cleanup()
    return n / best, cpu / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=5000, help="events per processor batch")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    events = list(Simulator(seed=1, rate=2000.0).events(args.events / 1000.0))[: args.events]
    unique = {(e.service, e.event_id): e for e in events}
    events = list(unique.values())
    n = len(events)
    work = batches(events, args.batch)
    size = sum(len(d) for b in work for enc in b.encoded for d in enc.docs)
    print(f"events: {n:,} simulated, {size / n:.0f} bytes each, batches of {args.batch:,}")

    tmp = tempfile.TemporaryDirectory()

    def duckdb() -> tuple[Store, Callable[[], None]]:
        path = Path(tmp.name) / f"bench-{time.monotonic_ns()}.duckdb"
        return DuckDBStore(path), lambda: path.unlink(missing_ok=True)

    server = OsmemServer.start(japanese=False)

    def osmem(refresh: str) -> Callable[[], tuple[Store, Callable[[], None]]]:
        def open_store() -> tuple[Store, Callable[[], None]]:
            clone = server.clone()
            store = OpenSearchStore(clone.url, replicas=0, refresh=refresh)  # type: ignore[arg-type]
            return store, clone.close

        return open_store

    try:
        rows = [
            ("duckdb (embedded, file)", best_rate(duckdb, work, n, args.rounds)),
            ("osmem-server, refresh=false", best_rate(osmem("false"), work, n, args.rounds)),
            ("osmem-server, refresh=wait_for", best_rate(osmem("wait_for"), work, n, args.rounds)),
        ]
    finally:
        server.close()
        for pipe in (server.process.stdin, server.process.stdout):
            if pipe is not None:
                pipe.close()
        tmp.cleanup()
    base = rows[0][1][0]
    print(f"\n{'store':<34} {'events/s':>12} {'vs duckdb':>10} {'client CPU µs/ev':>17}")
    for name, (rate, cpu) in rows:
        print(f"{name:<34} {rate:>12,.0f} {rate / base:>9.2f}x {cpu:>17.1f}")
    print(
        "\nclient CPU: this process (DuckDB: the whole store; osmem: logyard's side of the"
        " bulk path, encoding, HTTP and per-item parsing; osmem-server's own CPU excluded)"
    )


if __name__ == "__main__":
    main()
