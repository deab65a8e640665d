"""Benchmark (issue 6, point 6, metrics half): every metric of the note over N stored events.

Stores ``--events`` simulator events (default 10 million: a week of the company at the
rate that gives that many) through ``DuckDBStore.write`` (hash chains included), folds
them into the analytic schema with the analytics branch (``Analyzer.catch_up``, timed:
the branch's throughput), then times, over ``--runs`` runs each:

* every metric of docs/metrics.md over the whole week (all systems), one by one;
* one cycle of all of them (``compute_all``: what ``GET /api/v1/metrics`` does);
* same-run baselines: a plain scan of the logs (``count(*)`` and ``avg(http_duration_ms)``
  over every stored event) and a plain scan of the request facts, so each figure is also
  a ratio to "just reading the data once".

    .venv/bin/python bench/bench_metrics.py                    # 10M events
    .venv/bin/python bench/bench_metrics.py --events 200000 --runs 3
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _machine import describe
from logyard.analytics import Analyzer
from logyard.analytics.metrics import METRICS, compute, compute_all
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore

START = datetime(2026, 11, 16, tzinfo=UTC)
SPAN = timedelta(days=7)
BATCH = 50_000


def load(store: DuckDBStore, events: int, seed: int) -> tuple[int, float]:
    """Store ``events`` simulator events spread over SPAN; (stored, seconds)."""
    rate = events / SPAN.total_seconds()
    stream = Simulator(seed=seed, rate=rate, start=START, warmup_secs=0).events(
        SPAN.total_seconds() * 1.2  # a little longer: the stream is cut at `events`
    )
    stored = 0
    started = time.perf_counter()
    while stored < events:
        chunk = list(itertools.islice(stream, min(BATCH, events - stored)))
        if not chunk:
            break
        stored += store.write(WriteBatch(events=chunk)).stored
    return stored, time.perf_counter() - started


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and max in ms over ``runs`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--path", type=Path, help="DuckDB file to keep (reused as it is when it holds events)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.path or Path(tmp) / "bench.duckdb"
        store = DuckDBStore(path)
        try:
            reused = store.count()
            if reused:
                stored, load_secs = reused, float("nan")
            else:
                stored, load_secs = load(store, args.events, args.seed)
            analyzer = Analyzer(store, batch_size=100_000)
            t = time.perf_counter()
            folded = analyzer.catch_up()
            fold_secs = time.perf_counter() - t
            end = START + SPAN
            rows = []
            with store.connection() as cur:
                for name in METRICS:
                    rows.append(
                        (
                            name,
                            measure(
                                lambda n=name: compute(cur, n, time_from=START, time_to=end),
                                args.runs,
                            ),
                        )
                    )
                cycle = measure(lambda: compute_all(cur, time_from=START, time_to=end), args.runs)
                scan = measure(
                    lambda: cur.execute(
                        "SELECT count(*), avg(http_duration_ms) FROM logs"
                    ).fetchall(),
                    args.runs,
                )
                facts_scan = measure(
                    lambda: cur.execute(
                        "SELECT count(*), avg(duration_ms) FROM analytics.requests"
                    ).fetchall(),
                    args.runs,
                )
                facts = {
                    t: cur.execute(f"SELECT count(*) FROM analytics.{t}").fetchone()[0]  # type: ignore[index]
                    for t in ("requests", "orders", "sessions", "activity_daily", "order_events")
                }
        finally:
            store.close()
        size_mb = path.stat().st_size / 2**20

    print(describe())
    print(
        f"events: {stored:,} stored in {load_secs:.1f} s ({stored / load_secs:,.0f} events/s, "
        f"hash chains included); file {size_mb:,.0f} MiB; runs: {args.runs}"
    )
    if folded.events:
        print(
            f"analytics branch (read -> normalize -> facts): {folded.events:,} events in "
            f"{fold_secs:.1f} s ({folded.events / fold_secs:,.0f} events/s), "
            f"{folded.facts:,} fact rows"
        )
    else:
        print("analytics branch: nothing new to fold in (a reused file)")
    print("facts: " + ", ".join(f"{k} {v:,}" for k, v in facts.items()))
    print(f"{'measure (window: the whole week)':40} {'p50 ms':>9} {'max ms':>9}")
    for name, (p50, worst) in rows:
        print(f"{'metric ' + name:40} {p50:9.1f} {worst:9.1f}")
    print(f"{'every metric, one cycle (compute_all)':40} {cycle[0]:9.1f} {cycle[1]:9.1f}")
    print(f"{'  baseline: plain scan of all logs':40} {scan[0]:9.1f} {scan[1]:9.1f}")
    print(
        f"{'  baseline: plain scan of request facts':40} {facts_scan[0]:9.1f} {facts_scan[1]:9.1f}"
    )
    print(
        f"one cycle of all {len(METRICS)} metrics = {cycle[0] / scan[0]:.1f}x one plain scan "
        "of the logs"
    )


if __name__ == "__main__":
    main()
