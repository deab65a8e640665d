"""Benchmark (issue 6, point 6): one evaluation cycle of all default alert rules over N events.

Loads ``--events`` events (default 10 million, a week of the six systems) into a DuckDB store
with the loader of ``bench_search.py`` (vectorized SQL), then times, against that store:

* the **first cycle** of the shipped default rules on a fresh state (one window per rule,
  plus the new-signature rule learning the day before);
* **steady cycles**: every minute of event time, each rule's new window plus the re-checked
  recent ones (what ``logyard up`` does every ``interval_secs``), ``--runs`` times;
* a **catch-up cycle** after one hour down (60 windows per one-minute rule);
* each rule alone in a steady cycle (which rules cost what);
* same-run baselines: ``SELECT count(*)`` over the whole table, and one store count of a
  five-minute window (the cheapest query a rule makes).

    .venv/bin/python bench/bench_alerting.py                 # 10M events
    .venv/bin/python bench/bench_alerting.py --events 200000 --runs 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe
from bench_search import SPAN, START, load
from logyard.alerting import DEFAULT_RULES, AlertService, AlertState, load_rules
from logyard.store import AggregateRequest
from logyard.store.duckdb import DuckDBStore


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=10, help="steady cycles to time")
    parser.add_argument("--path", type=Path, help="DuckDB file (default: a temporary one)")
    args = parser.parse_args()
    rules = load_rules(DEFAULT_RULES)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.path or Path(tmp) / "bench.duckdb"
        if path.exists():
            path.unlink()
        load_secs = load(path, args.events)
        store = DuckDBStore(path)
        try:
            total = store.count()
            base = START + SPAN - timedelta(days=1)  # a day before the data ends

            def fresh(name: str) -> AlertService:
                return AlertService(rules, store, AlertState(Path(tmp) / f"{name}.db"))

            service = fresh("cycle")
            first_ms = timed(lambda: service.run_cycle(base))
            steady = []
            for k in range(1, args.runs + 1):
                now = base + timedelta(minutes=k)
                steady.append(timed(lambda now=now: service.run_cycle(now)))  # type: ignore[misc]
            catchup = fresh("catchup")
            catchup.run_cycle(base)
            catchup_ms = timed(lambda: catchup.run_cycle(base + timedelta(hours=1)))
            per_rule: list[tuple[str, float]] = []
            for rule in rules.enabled():
                one = rules.model_copy(update={"rules": [rule]})
                svc = AlertService(one, store, AlertState(Path(tmp) / f"r-{rule.name}.db"))
                svc.run_cycle(base)
                per_rule.append(
                    (rule.name, timed(lambda svc=svc: svc.run_cycle(base + timedelta(minutes=1))))
                )  # type: ignore[misc]
            cur = store._db.cursor()
            count_all = min(
                timed(lambda: cur.execute("SELECT count(*) FROM logs").fetchall()) for _ in range(3)
            )
            window = AggregateRequest(aggs={}, time_from=base - timedelta(minutes=5), time_to=base)
            count_window = min(timed(lambda: store.aggregate(window)) for _ in range(3))
            alerts = len(service.state.alerts(status=None, limit=100_000))
        finally:
            store.close()

    steady.sort()
    p95 = steady[min(len(steady) - 1, round(0.95 * (len(steady) - 1)))]
    print(f"machine: {describe()}; load average {os.getloadavg()[0]:.1f}")
    print(f"events stored: {total:,} (loaded in {load_secs:.1f} s); rules: {len(rules.enabled())}")
    print(f"first cycle (fresh state, learning 1 day of errors): {first_ms:10.1f} ms")
    print(
        f"steady cycle (1 new minute + re-checks), {len(steady)} runs: "
        f"p50 {statistics.median(steady):.1f} ms, p95 {p95:.1f} ms"
    )
    print(f"catch-up cycle after 1 h down:                  {catchup_ms:10.1f} ms")
    print("per rule, one steady cycle:")
    for name, ms in per_rule:
        print(f"  {name:<36} {ms:10.1f} ms")
    print(f"baseline: SELECT count(*) over all events:       {count_all:10.1f} ms")
    print(f"baseline: store count of one 5-minute window:    {count_window:10.1f} ms")
    print(f"alerts opened over the timed cycles: {alerts}")


if __name__ == "__main__":
    main()
