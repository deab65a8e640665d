"""Benchmark: what the console's pages ask the store, on N events (DuckDB).

Loads ``--events`` events over 7 days with the search benchmark's loader, then times, over
``--runs`` runs each, the store calls (``search``/``aggregate``; HTTP excluded) that:

* the **overview** makes for a range of 1 hour, 24 hours and 7 days: four aggregation
  requests (events by system and level + over time; API requests by system with 22
  latency percentiles + over time; 5xx by system; ERROR/FATAL over time) and six
  newest-event searches, one per system, run one after the other;
* the **order journey** makes for one order: ``order.id:("X")`` over all time, oldest first
  (the loader's events carry no trace ids, so the trace step finds nothing to add).

    .venv/bin/python bench/bench_console.py                      # 10M events
    .venv/bin/python bench/bench_console.py --events 1000000 --runs 10
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from _machine import describe
from bench_search import SPAN, START, load, measure
from logyard.catalog import SYSTEMS
from logyard.store import SearchRequest, Sort, aggregate_request_from_json
from logyard.store.duckdb import DuckDBStore

PERCENTS = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99, 100]
RANGES = {"1h": (timedelta(hours=1), "1m"), "24h": (timedelta(days=1), "30m"),
          "7d": (SPAN, "3h")}  # fmt: skip


def overview(store: DuckDBStore, span: timedelta, interval: str) -> Callable[[], None]:
    """The overview's store calls for the last ``span`` of the data (one page load)."""
    end = START + SPAN
    window = {"from": (end - span).isoformat(), "to": end.isoformat()}
    by_system = {"terms": {"field": "service.name", "size": 6}}

    def over_time() -> dict[str, object]:
        return {
            "date_histogram": {"field": "@timestamp", "fixed_interval": interval},
            "aggs": {"systems": by_system},
        }

    levels = {"levels": {"terms": {"field": "log.level", "size": 6}}}
    latency = {"latency": {"percentiles": {"field": "http.duration_ms", "percents": PERCENTS}}}
    bodies = [
        {**window, "query": "", "aggs": {"systems": {**by_system, "aggs": levels},
                                         "over_time": over_time()}},
        {**window, "query": "event.action:api.request",
         "aggs": {"systems": {**by_system, "aggs": latency}, "over_time": over_time()}},
        {**window, "query": "event.action:api.request and http.response.status_code >= 500",
         "aggs": {"systems": by_system}},
        {**window, "query": "log.level:(ERROR or FATAL)", "aggs": {"over_time": over_time()}},
    ]  # fmt: skip
    requests = [aggregate_request_from_json(b) for b in bodies]
    newest = [SearchRequest(query="", systems=(s,), size=1) for s in SYSTEMS]

    def run() -> None:
        for request in requests:
            store.aggregate(request)
        for search in newest:
            store.search(search)

    return run


def journey(store: DuckDBStore, order: str) -> Callable[[], object]:
    """The journey's first search (the order's own events, oldest first)."""
    request = SearchRequest(
        query=f'order.id:("{order}")', size=1000, sort=(Sort("@timestamp", "asc"),)
    )
    return lambda: store.search(request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(describe())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "logs.duckdb"
        secs = load(path, args.events)
        print(f"loaded {args.events:,} events over 7 days in {secs:.1f} s")
        store = DuckDBStore(path)
        try:
            for name, (span, interval) in RANGES.items():
                p50, p95 = measure(overview(store, span, interval), args.runs)
                print(f"overview, last {name:>3}: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms "
                      "(4 aggregations + 6 searches)")  # fmt: skip
            some = store.search(SearchRequest(query="event.action:order.assigned", size=1))
            order = str(some.hits[0]["order.id"])
            found = store.search(SearchRequest(query=f'order.id:"{order}"', size=0)).total
            p50, p95 = measure(journey(store, order), args.runs)
            print(f"journey of {order} ({found} events): p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
        finally:
            store.close()


if __name__ == "__main__":
    main()
