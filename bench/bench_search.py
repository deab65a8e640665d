"""Benchmark (d): search and aggregation latency of the DuckDB store on N events.

Loads ``--events`` realistic events (default 10 million) straight into the store's tables with
DuckDB SQL (vectorized; no Python per event), then times, over ``--runs`` runs each:

* a KQL search, ``service.name:mes and log.level:(ERROR or FATAL) and not user.name:bot*``,
  100 newest hits with the exact total;
* a 5-aggregation request over the whole range (date_histogram + terms + percentiles +
  cardinality + stats);
* same-run baselines: the equivalent hand-written SQL, so each figure is also a ratio.

Targets: search p95 <= 300 ms, aggregation p95 <= 1 s.

    .venv/bin/python bench/bench_search.py                # 10M events
    .venv/bin/python bench/bench_search.py --events 20000 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from logyard.catalog import SYSTEMS
from logyard.store import AggregateRequest, SearchRequest, aggregate_request_from_json
from logyard.store.duckdb import DuckDBStore
from logyard.store.duckdb._schema import table_name

START = datetime(2026, 11, 19, tzinfo=UTC)
SPAN = timedelta(days=7)
QUERY = "service.name:mes and log.level:(ERROR or FATAL) and not user.name:bot*"
AGGS = {
    "over_time": {"date_histogram": {"field": "@timestamp", "interval": "auto"}},
    "levels": {"terms": {"field": "log.level"}},
    "latency": {"percentiles": {"field": "http.duration_ms", "percents": [50, 95, 99]}},
    "users": {"cardinality": {"field": "user.name"}},
    "duration": {"stats": {"field": "http.duration_ms"}},
}

# Per system: the actions it emits, weighted by repetition.
_ACTIONS = {
    "internet-shop": ["page.viewed"] * 6 + ["site.entered", "link.clicked", "order.created"],
    "shop-api": ["api.request"] * 9 + ["log.record"],
    "crm": ["order.changed", "order.created", "user.logged_in", "log.record"],
    "crm-api": ["api.request"] * 8 + ["order.received", "log.record"],
    "mes": ["order.assigned"] * 4 + ["order.list_viewed", "user.logged_in", "log.record"],
    "mes-api": ["api.request"] * 6 + ["order.calculated"] * 3 + ["log.record"],
}


def h(k: int) -> str:
    """SQL for the k-th pseudo-random non-negative integer of row ``i``."""
    return f"(hash(i, {k}) >> 1)::BIGINT"


def _load_sql(system: str, n: int, offset: int) -> str:
    """One INSERT ... SELECT generating ``n`` events of ``system`` from ``range``."""
    actions = "[" + ", ".join(f"'{a}'" for a in _ACTIONS[system]) + "]"
    span_ms = int(SPAN.total_seconds() * 1000)
    start = START.replace(tzinfo=None).isoformat(sep=" ")
    return f"""
    INSERT INTO {table_name(system)}
    WITH g AS (
      SELECT i,
        TIMESTAMP '{start}'
          + to_milliseconds(((i - {offset}) * {span_ms}) // {n} + {h(1)} % 1000) AS ts,
        {actions}[1 + {h(2)} % {len(_ACTIONS[system])}] AS action,
        CASE WHEN {h(3)} % 1000 < 5 THEN 'FATAL' WHEN {h(3)} % 1000 < 35 THEN 'ERROR'
             WHEN {h(3)} % 1000 < 95 THEN 'WARN' WHEN {h(3)} % 1000 < 195 THEN 'DEBUG'
             ELSE 'INFO' END AS level,
        CASE WHEN {h(4)} % 20 = 0 THEN 'bot-' || ({h(5)} % 50)::VARCHAR
             ELSE 'user' || ({h(5)} % 5000)::VARCHAR END AS user_name,
        'ORD-' || ({h(6)} % 200000)::VARCHAR AS order_id,
        round(5 + ({h(7)} % 100000) / 100000.0 * ({h(8)} % 100000) / 100.0, 2) AS dur,
        [200, 200, 200, 201, 204, 400, 404, 500, 502, 503][1 + {h(9)} % 10] AS status
      FROM range({offset}, {offset + n}) r(i)
    ), e AS (
      SELECT *, uuid()::VARCHAR AS event_id,
        CASE action WHEN 'log.record' THEN 'worker heartbeat ' || (i % 97)::VARCHAR
          WHEN 'api.request' THEN 'GET /api/orders/' || order_id ELSE '' END AS message
      FROM g
    )
    SELECT ts, event_id, action, level, '{system}', '1.4.2', '{system}-' || (i % 4)::VARCHAR,
      NULL, NULL, user_name, NULL, ['operator'], '10.0.' || (i % 250)::VARCHAR || '.7', message,
      CASE WHEN action LIKE 'order.%' THEN order_id END,
      CASE WHEN action = 'api.request' THEN dur END,
      CASE WHEN action = 'api.request' THEN status END,
      CASE WHEN action = 'order.calculated' THEN dur END,
      CASE WHEN action = 'order.list_viewed' THEN dur END,
      CASE WHEN action = 'api.request' THEN json_object('event.action', action,
          '@timestamp', strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ'), 'event.id', event_id,
          'log.level', level, 'service.name', '{system}', 'message', message,
          'http.request.method', 'GET', 'http.route', '/api/orders/{{id}}',
          'http.response.status_code', status, 'http.duration_ms', dur)
        ELSE json_object('event.action', action,
          '@timestamp', strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ'), 'event.id', event_id,
          'log.level', level, 'service.name', '{system}', 'message', message,
          'user.name', user_name, 'order.id', order_id) END
    FROM e
    """


def load(path: Path, events: int) -> float:
    """Create the store's schema at ``path`` and fill it; seconds taken."""
    DuckDBStore(path).close()
    per = events // len(SYSTEMS)
    started = time.perf_counter()
    with duckdb.connect(str(path)) as conn:
        for k, system in enumerate(SYSTEMS):
            n = per + (events - per * len(SYSTEMS) if k == 0 else 0)
            conn.execute(_load_sql(system, n, k * 10**9))
        conn.execute("CHECKPOINT")
    return time.perf_counter() - started


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 in ms over ``runs`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--path", type=Path, help="DuckDB file (default: a temporary one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.path or Path(tmp) / "bench.duckdb"
        if path.exists():
            path.unlink()
        load_secs = load(path, args.events)
        store = DuckDBStore(path)
        try:
            total = store.count()
            search = SearchRequest(query=QUERY, size=100)
            aggs: AggregateRequest = aggregate_request_from_json({"aggs": AGGS})
            cur = store._db.cursor()  # the same database, for the raw-SQL baselines
            where = "service = 'mes' AND level IN ('ERROR', 'FATAL') AND NOT user_name LIKE 'bot%'"
            rows = [
                (
                    "search: KQL, 100 newest + total",
                    measure(lambda: store.search(search), args.runs),
                ),
                (
                    "  baseline: raw SQL top-100 + count",
                    measure(
                        lambda: (
                            cur.execute(
                                f"SELECT doc FROM logs WHERE {where} ORDER BY ts DESC LIMIT 100"
                            ).fetchall(),
                            cur.execute(f"SELECT count(*) FROM logs WHERE {where}").fetchall(),
                        ),
                        args.runs,
                    ),
                ),
                (
                    "search: free text heartbeat (no target)",
                    measure(lambda: store.search(SearchRequest(query="heartbeat")), args.runs),
                ),
                (
                    "  baseline: raw SQL contains(doc, ...)",
                    measure(
                        lambda: cur.execute(
                            "SELECT count(*) FROM logs WHERE contains(doc, 'heartbeat')"
                        ).fetchall(),
                        args.runs,
                    ),
                ),
                ("aggregate: 5 aggregations", measure(lambda: store.aggregate(aggs), args.runs)),
                (
                    "  baseline: raw SQL full scan",
                    measure(
                        lambda: cur.execute(
                            "SELECT count(*), count(DISTINCT user_name), "
                            "quantile_cont(http_duration_ms, 0.5), avg(http_duration_ms), "
                            "min(ts) FROM logs"
                        ).fetchall(),
                        args.runs,
                    ),
                ),
                (
                    "  baseline: SELECT count(*)",
                    measure(lambda: cur.execute("SELECT count(*) FROM logs").fetchall(), args.runs),
                ),
            ]
            hits = store.search(search)
            cur.close()
        finally:
            store.close()
        size_mb = path.stat().st_size / 2**20

    print(
        f"events: {total:,}  load: {load_secs:.1f} s ({total / load_secs:,.0f} events/s)  "
        f"file: {size_mb:,.0f} MiB  runs: {args.runs}"
    )
    print(f"search total: {hits.total:,} matching, {len(hits.hits)} hits returned")
    print(f"{'measure':42} {'p50 ms':>9} {'p95 ms':>9}")
    for name, (p50, p95) in rows:
        print(f"{name:42} {p50:9.1f} {p95:9.1f}")
    search_p95, agg_p95 = rows[0][1][1], rows[4][1][1]
    print(
        f"search p95 {search_p95:.0f} ms (target <= 300): "
        f"{'OK' if search_p95 <= 300 else 'MISSED'}; ratio to raw SQL "
        f"{search_p95 / rows[1][1][1]:.1f}x"
    )
    print(
        f"aggregate p95 {agg_p95:.0f} ms (target <= 1000): "
        f"{'OK' if agg_p95 <= 1000 else 'MISSED'}; ratio to raw scan "
        f"{agg_p95 / rows[5][1][1]:.1f}x"
    )


if __name__ == "__main__":
    main()
