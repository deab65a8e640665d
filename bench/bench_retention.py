"""Benchmark: embedded retention — archive, verify and delete daily partitions; restore.

Writes ``--events`` mes events spread over ``--days`` old days through the store (so every
event has its hash-chain link, as in production), then:

* times one partition phase by phase: export to Parquet, SHA-256, copy to the archive
  directory, read back and verify, and the delete (the only phase that holds the store's
  write lock, i.e. how long ingest waits);
* runs ``run_retention`` over the remaining days (events per second, end to end);
* restores every day (events per second) and checks ``verify`` afterwards.

    .venv/bin/python bench/bench_retention.py                    # 1M events over 10 days
    .venv/bin/python bench/bench_retention.py --events 50000 --days 5
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe
from logyard.catalog import OrderAssigned
from logyard.retention import (
    DirTarget,
    RetentionPolicy,
    encode_manifest,
    restore_archives,
    run_retention,
)
from logyard.retention._manifest import Manifest, manifest_key, parquet_key, sha256_file
from logyard.retention._run import verify_part
from logyard.security.chain import TrustedKeys, verify
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore, drop_partition, export_partition

FIRST_DAY = date(2025, 1, 1)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load(store: DuckDBStore, events: int, days: int, batch: int = 10_000) -> float:
    """Write the events in batches; returns the seconds it took."""
    per_day = events // days
    step = timedelta(seconds=86_399 / per_day)
    t0 = time.perf_counter()
    pending: list[OrderAssigned] = []
    for d in range(days):
        start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=d)
        for i in range(per_day):
            pending.append(
                OrderAssigned(
                    timestamp=start + i * step,
                    event_id=f"e-{d:03d}-{i:07d}",
                    service="mes",
                    user_name=f"user{i % 500}",
                    order_id=f"ORD-{i % 200000}",
                    operator=f"op{i % 40}",
                    message=f"order ORD-{i % 200000} assigned to line {i % 7}",
                )
            )
            if len(pending) >= batch:
                store.write(WriteBatch(events=pending))
                pending = []
    if pending:
        store.write(WriteBatch(events=pending))
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = DuckDBStore(root / "logs.duckdb")
        secs = load(store, args.events, args.days)
        per_day = args.events // args.days
        print(f"loaded {store.count():,} events over {args.days} days in {secs:.1f} s")
        target = DirTarget(root / "archive")
        work = root / "work"
        work.mkdir()

        # one partition, phase by phase
        t: dict[str, float] = {}
        t0 = time.perf_counter()
        stats = export_partition(store, "mes", FIRST_DAY, work / "export.parquet")
        t["export (COPY ... FORMAT parquet)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sha, size = sha256_file(work / "export.parquet")
        t["SHA-256"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        manifest = Manifest.of("mes", FIRST_DAY, stats, size, sha, "bench")
        (work / "m.json").write_bytes(encode_manifest(manifest))
        target.put(parquet_key("mes", FIRST_DAY, stats.record_id), work / "export.parquet")
        target.put(manifest_key("mes", FIRST_DAY, stats.record_id), work / "m.json")
        t["copy to the archive dir (fsync)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        verified = verify_part(store, target, "mes", FIRST_DAY, stats.record_id, work).events
        t["read back + verify"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        deleted = drop_partition(store, "mes", FIRST_DAY, verified, sha)
        t["delete (write lock held)"] = time.perf_counter() - t0
        print(
            f"one partition: {deleted:,} events, Parquet {size / 1e6:.1f} MB "
            f"({size / max(deleted, 1):.0f} bytes/event)"
        )
        for name, value in t.items():
            print(f"  {name:34s} {value * 1000:8.0f} ms")
        total = sum(t.values())
        print(f"  {'total':34s} {total * 1000:8.0f} ms  ({deleted / total:,.0f} events/s)")

        # the rest end to end
        rest = per_day * (args.days - 1)
        t0 = time.perf_counter()
        report = run_retention(store, target, RetentionPolicy(180), now=NOW)
        secs = time.perf_counter() - t0
        print(
            f"run_retention: {len(report.outcomes)} partitions, {report.deleted:,} events in "
            f"{secs:.1f} s ({rest / secs:,.0f} events/s); left in the store: {store.count():,}"
        )

        t0 = time.perf_counter()
        last = FIRST_DAY + timedelta(days=args.days - 1)
        restored = restore_archives(store, target, "mes", FIRST_DAY, last, now=NOW)
        secs = time.perf_counter() - t0
        print(
            f"restore: {restored.inserted:,} events in {secs:.1f} s "
            f"({restored.inserted / secs:,.0f} events/s)"
        )
        t0 = time.perf_counter()
        with store.connection() as conn:
            ok = verify(conn, keys=TrustedKeys([store._chain.signer.public])).intact
        print(f"verify after restore: {'intact' if ok else 'PROBLEM'} in "
              f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
