"""Aggregations in SQL, results shaped as Elasticsearch returns them.

Each query reads one inner projection, ``SELECT <field exprs> AS k, k2, m0.. FROM <tables>
WHERE <filter>``, so a field extracted from ``doc`` is computed once and bound parameters
never appear in ``GROUP BY``. One query computes the total and every top-level metric; each
bucket aggregation costs one query for its buckets and metric sub-aggregations, plus one per
bucket sub-aggregation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from logyard.errors import QueryError
from logyard.store._dates import format_epoch_ms
from logyard.store._model import (
    Aggregation,
    Cardinality,
    DateHistogram,
    Percentiles,
    Stats,
    Terms,
)
from logyard.store._requests import (
    MAX_BUCKETS,
    check_aggregated,
    check_histogram_field,
    histogram_bounds,
    histogram_interval,
    too_many_buckets,
)
from logyard.store.duckdb._schema import Params, column

__all__ = ["MAX_BUCKETS", "Scope", "aggregate"]


Metric = Percentiles | Cardinality | Stats
Bucketing = DateHistogram | Terms


@dataclass(frozen=True, slots=True)
class Scope:
    """What the aggregations run over: tables, a filter writer and the request's time range."""

    source: str
    where: Callable[[Params], str]
    time_from: datetime | None
    time_to: datetime | None


def aggregate(
    cur: duckdb.DuckDBPyConnection, scope: Scope, aggs: dict[str, Aggregation]
) -> tuple[int, dict[str, Any]]:
    """The total of matching events and every aggregation's result by name."""
    metrics = {n: a for n, a in aggs.items() if isinstance(a, Percentiles | Cardinality | Stats)}
    params = Params()
    exprs = {
        f"m{i}": _metric_expr(a, f"aggs.{n}", params) for i, (n, a) in enumerate(metrics.items())
    }
    outputs = [
        out for i, a in enumerate(metrics.values()) for out in _metric_outputs(a, f"m{i}", params)
    ]
    sql = f"SELECT count(*){''.join(', ' + o for o in outputs)} FROM {_inner(scope, exprs, params)}"
    row = cur.execute(sql, params.values).fetchone()
    assert row is not None
    total = int(row[0])
    results: dict[str, Any] = {}
    values = list(row[1:])
    for name, metric in metrics.items():
        results[name] = _metric_result(metric, values)
    for name, agg in aggs.items():
        if isinstance(agg, DateHistogram | Terms):
            results[name] = _bucketing(cur, scope, agg, f"aggs.{name}")
    return total, {name: results[name] for name in aggs}


# -- expressions ------------------------------------------------------------------------------
def _inner(scope: Scope, exprs: dict[str, str], params: Params) -> str:
    cols = ", ".join(f"{sql} AS {alias}" for alias, sql in exprs.items()) or "1 AS one"
    return f"(SELECT {cols} FROM {scope.source} WHERE {scope.where(params)}) AS inner_rows"


def _value_expr(field: str, where: str, params: Params, *, numeric: bool) -> str:
    col = column(field, params)
    check_aggregated(field, col.kind, where, numeric=numeric)
    if numeric and col.kind == "unknown":
        return f"TRY_CAST({col.sql} AS DOUBLE)"
    return col.sql


def _metric_expr(agg: Metric, where: str, params: Params) -> str:
    kind = type(agg).__name__.lower()
    return _value_expr(
        agg.field, f"{where}.{kind}", params, numeric=not isinstance(agg, Cardinality)
    )


def _metric_outputs(agg: Metric, alias: str, params: Params) -> list[str]:
    match agg:
        case Percentiles(percents=percents):
            return [f"quantile_cont({alias}, {params.add([p / 100 for p in percents])})"]
        case Cardinality():
            return [f"count(DISTINCT {alias})"]
        case Stats():
            return [
                f"count({alias})",
                f"min({alias})",
                f"max({alias})",
                f"avg({alias})",
                f"sum({alias})",
            ]
    raise TypeError(agg)  # pragma: no cover


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _metric_result(agg: Metric, values: list[Any]) -> dict[str, Any]:
    """Consume this metric's outputs from the front of ``values``."""
    match agg:
        case Percentiles(percents=percents):
            found = values.pop(0)
            points = found if found is not None else [None] * len(percents)
            return {
                "values": {str(float(p)): _float(v) for p, v in zip(percents, points, strict=True)}
            }
        case Cardinality():
            return {"value": int(values.pop(0) or 0)}
        case Stats():
            count, low, high, avg, total = (values.pop(0) for _ in range(5))
            return {
                "count": int(count or 0),
                "min": _float(low),
                "max": _float(high),
                "avg": _float(avg),
                "sum": float(total or 0.0),
            }
    raise TypeError(agg)  # pragma: no cover


def _empty(agg: Aggregation) -> dict[str, Any]:
    match agg:
        case Terms():
            return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": []}
        case DateHistogram():
            return {"buckets": []}
        case Percentiles() | Cardinality() | Stats():
            return _metric_result(agg, [None] * (5 if isinstance(agg, Stats) else 1))
    raise TypeError(agg)  # pragma: no cover


# -- bucket aggregations ----------------------------------------------------------------------
def _key_expr(
    cur: duckdb.DuckDBPyConnection, scope: Scope, agg: Bucketing, where: str, params: Params
) -> tuple[str, int | None]:
    """The bucket key expression and, for a histogram, its interval in ms."""
    if isinstance(agg, Terms):
        return _value_expr(agg.field, f"{where}.terms", params, numeric=False), None
    col = column(agg.field, params)
    check_histogram_field(agg.field, col.kind, where)
    step = _interval(cur, scope, agg, where)
    # ``step`` is an int we computed, written as a literal: a bound interval is 2x slower.
    origin = "TIMESTAMP '1970-01-01'"
    return f"time_bucket(INTERVAL {int(step)} MILLISECONDS, {col.sql}, {origin})", step


def _interval(cur: duckdb.DuckDBPyConnection, scope: Scope, agg: DateHistogram, where: str) -> int:
    def found() -> tuple[datetime | None, datetime | None]:
        params = Params()
        exprs = {"k": column(agg.field, params).sql}
        row = cur.execute(
            f"SELECT min(k), max(k) FROM {_inner(scope, exprs, params)}", params.values
        ).fetchone()
        assert row is not None
        return row[0], row[1]

    return histogram_interval(agg.interval, where, scope.time_from, scope.time_to, found)


def _bucketing(
    cur: duckdb.DuckDBPyConnection, scope: Scope, agg: Bucketing, where: str
) -> dict[str, Any]:
    params = Params()
    key, step = _key_expr(cur, scope, agg, where, params)
    subs = agg.aggs
    for name, sub in subs.items():
        if isinstance(sub, DateHistogram | Terms) and sub.aggs:
            raise QueryError(
                f"{where}.aggs.{name}: aggregations nest one level deep; "
                "move the inner aggregation up a level"
            )
    metrics = {n: a for n, a in subs.items() if isinstance(a, Percentiles | Cardinality | Stats)}
    exprs = {"k": key} | {
        f"m{i}": _metric_expr(a, f"{where}.aggs.{n}", params)
        for i, (n, a) in enumerate(metrics.items())
    }
    outputs = [
        o for i, a in enumerate(metrics.values()) for o in _metric_outputs(a, f"m{i}", params)
    ]
    out_key = "k" if step is None else "epoch_ms(k)"
    select = ", ".join([out_key, "count(*) AS c", "sum(count(*)) OVER () AS all_c", *outputs])
    sql = f"SELECT {select} FROM {_inner(scope, exprs, params)} WHERE k IS NOT NULL GROUP BY k"
    if isinstance(agg, Terms):
        sql += f" ORDER BY c DESC, k ASC LIMIT {params.add(agg.size)}"
    else:
        sql += " ORDER BY k"
    rows = cur.execute(sql, params.values).fetchall()

    buckets: dict[Any, dict[str, Any]] = {}
    for row in rows:
        values = list(row[3:])
        bucket: dict[str, Any] = {"key": row[0], "doc_count": int(row[1])}
        for name, m in metrics.items():
            bucket[name] = _metric_result(m, values)
        buckets[row[0]] = bucket
    for name, sub in subs.items():
        if isinstance(sub, DateHistogram | Terms):
            per_key = _sub_bucketing(cur, scope, agg, sub, f"{where}.aggs.{name}")
            for k, bucket in buckets.items():
                bucket[name] = per_key.get(k) or _empty(sub)
    for k, bucket in buckets.items():
        buckets[k] = {"key": k, "doc_count": bucket["doc_count"]} | {n: bucket[n] for n in subs}

    if isinstance(agg, Terms):
        all_count = int(rows[0][2]) if rows else 0
        return {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": all_count - sum(b["doc_count"] for b in buckets.values()),
            "buckets": list(buckets.values()),
        }
    assert step is not None
    bounds = histogram_bounds(agg.field, scope.time_from, scope.time_to)
    filled = []
    for k in _histogram_keys(list(buckets), step, bounds, where):
        found = buckets.get(k)
        bucket = {"key": k, "key_as_string": format_epoch_ms(k)}
        bucket["doc_count"] = found["doc_count"] if found else 0
        for name, sub in subs.items():
            bucket[name] = found[name] if found else _empty(sub)
        filled.append(bucket)
    return {"buckets": filled}


def _sub_bucketing(
    cur: duckdb.DuckDBPyConnection, scope: Scope, parent: Bucketing, sub: Bucketing, where: str
) -> dict[Any, dict[str, Any]]:
    params = Params()
    key, parent_step = _key_expr(cur, scope, parent, where.rsplit(".aggs.", 1)[0], params)
    key2, step = _key_expr(cur, scope, sub, where, params)
    out_k = "k" if parent_step is None else "epoch_ms(k)"
    out_k2 = "k2" if step is None else "epoch_ms(k2)"
    inner = _inner(scope, {"k": key, "k2": key2}, params)
    grouped = (
        f"SELECT k, k2, count(*) AS c, sum(count(*)) OVER (PARTITION BY k) AS all_c "
        f"FROM {inner} WHERE k IS NOT NULL AND k2 IS NOT NULL GROUP BY k, k2"
    )
    if isinstance(sub, Terms):
        sql = (
            f"SELECT {out_k}, {out_k2}, c, all_c FROM ({grouped}) QUALIFY row_number() OVER "
            f"(PARTITION BY k ORDER BY c DESC, k2 ASC) <= {params.add(sub.size)} "
            "ORDER BY k, c DESC, k2 ASC"
        )
    else:
        sql = f"SELECT {out_k}, {out_k2}, c, all_c FROM ({grouped}) ORDER BY k, k2"
    out: dict[Any, dict[str, Any]] = {}
    rows: dict[Any, list[tuple[Any, ...]]] = {}
    for row in cur.execute(sql, params.values).fetchall():
        rows.setdefault(row[0], []).append(row)
    for k, group in rows.items():
        if isinstance(sub, Terms):
            out[k] = {
                "doc_count_error_upper_bound": 0,
                "sum_other_doc_count": int(group[0][3]) - sum(int(r[2]) for r in group),
                "buckets": [{"key": r[1], "doc_count": int(r[2])} for r in group],
            }
        else:
            assert step is not None
            counts = {r[1]: int(r[2]) for r in group}
            bounds = histogram_bounds(sub.field, scope.time_from, scope.time_to)
            keys = _histogram_keys(list(counts), step, bounds, where)
            out[k] = {
                "buckets": [
                    {"key": t, "key_as_string": format_epoch_ms(t), "doc_count": counts.get(t, 0)}
                    for t in keys
                ]
            }
    return out


def _histogram_keys(
    found: list[int], step: int, bounds: tuple[int | None, int | None], where: str
) -> list[int]:
    """Every bucket key from the first to the last, gaps filled, widened to the time range."""
    lows = [k for k in (*found[:1], bounds[0]) if k is not None]
    highs = [k for k in (*found[-1:], bounds[1]) if k is not None]
    if not lows or not highs:
        return []
    first = min(lows) // step * step
    last = max(highs) // step * step
    if last < first:
        return []
    if (last - first) // step + 1 > MAX_BUCKETS:
        raise too_many_buckets(where)
    return list(range(first, last + step, step))
