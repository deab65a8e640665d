"""AggregateRequest → ``aggs`` DSL, and the answer reshaped exactly as the DuckDB store's.

Terms are ordered by count then key (as in DuckDB); date histograms use ``fixed_interval``
with ``min_doc_count: 0`` and ``extended_bounds`` from the request's time range, so empty
buckets are filled the same way; percentiles keep the ``"50.0"`` keys; ``null`` (or NaN)
metrics of empty sets become ``None``; ``stats.sum`` of nothing is ``0.0``.

Percentiles are t-digest estimates on Elasticsearch and OpenSearch and linear interpolation
between the two closest values in DuckDB: the same for medians of odd counts and large data
sets, not for the 99th percentile of four values (see docs/stores/opensearch.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from logyard.errors import QueryError
from logyard.store._dates import (
    format_epoch_ms,
)
from logyard.store._fields import field_ref
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

__all__ = ["MAX_BUCKETS", "Bounds", "compile_aggs", "reshape"]

#: Cardinality counts exactly up to this many distinct values (the maximum both engines take).
_PRECISION = 40_000

#: ``(time_from, time_to)`` of the request, and a runner for the ``auto`` interval's probe.
Bounds = tuple[datetime | None, datetime | None]
Probe = Callable[[str], tuple[int | None, int | None]]


def _field(field: str, where: str, *, numeric: bool) -> str:
    ref = field_ref(field)
    check_aggregated(field, ref.kind, where, numeric=numeric)
    return f"{field}.wildcard" if ref.kind == "text" else field


def compile_aggs(
    aggs: dict[str, Aggregation], bounds: Bounds, probe: Probe, where: str = "aggs"
) -> dict[str, Any]:
    """The ``aggs`` of a ``_search`` body."""
    out: dict[str, Any] = {}
    for name, agg in aggs.items():
        here = f"{where}.{name}"
        match agg:
            case Terms(field=field, size=size, aggs=subs):
                body: dict[str, Any] = {
                    "terms": {
                        "field": _field(field, f"{here}.terms", numeric=False),
                        "size": max(size, 1),
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
            case DateHistogram():
                body = {"date_histogram": _histogram(agg, here, bounds, probe)}
                subs = agg.aggs
            case Percentiles(field=field, percents=percents):
                field_name = _field(field, f"{here}.percentiles", numeric=True)
                body = {"percentiles": {"field": field_name, "percents": list(percents)}}
                subs = {}
            case Cardinality(field=field):
                field_name = _field(field, f"{here}.cardinality", numeric=False)
                body = {"cardinality": {"field": field_name, "precision_threshold": _PRECISION}}
                subs = {}
            case Stats(field=field):
                body = {"stats": {"field": _field(field, f"{here}.stats", numeric=True)}}
                subs = {}
            case _:  # pragma: no cover
                raise TypeError(agg)
        if subs:
            if where != "aggs":
                raise QueryError(
                    f"{where}.{name}: aggregations nest one level deep; "
                    "move the inner aggregation up a level"
                )
            body["aggs"] = compile_aggs(subs, bounds, probe, f"{here}.aggs")
        out[name] = body
    return out


def _histogram(agg: DateHistogram, where: str, bounds: Bounds, probe: Probe) -> dict[str, Any]:
    check_histogram_field(agg.field, field_ref(agg.field).kind, where)
    step = _interval(agg, where, bounds, probe)
    spec: dict[str, Any] = {
        "field": agg.field,
        "fixed_interval": f"{step}ms",
        "min_doc_count": 0,
    }
    lo, hi = histogram_bounds(agg.field, *bounds)
    if lo is not None or hi is not None:
        extended: dict[str, int] = {}
        if lo is not None:
            extended["min"] = lo
        if hi is not None:
            extended["max"] = hi
        spec["extended_bounds"] = extended
        if lo is not None and hi is not None and (hi // step - lo // step) + 1 > MAX_BUCKETS:
            raise too_many_buckets(where)
    return spec


def _interval(agg: DateHistogram, where: str, bounds: Bounds, probe: Probe) -> int:
    def found() -> tuple[datetime | None, datetime | None]:
        lo_ms, hi_ms = probe(agg.field)
        return (
            _from_ms(lo_ms) if lo_ms is not None else None,
            _from_ms(hi_ms) if hi_ms is not None else None,
        )

    return histogram_interval(agg.interval, where, *bounds, found)


def _from_ms(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


# -- the answer -------------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def reshape(
    aggs: dict[str, Aggregation], found: dict[str, Any], where: str = "aggs"
) -> dict[str, Any]:
    """The engine's ``aggregations`` in the DuckDB store's shape (same keys, same types)."""
    out: dict[str, Any] = {}
    for name, agg in aggs.items():
        raw = found.get(name) or {}
        match agg:
            case Terms(aggs=subs):
                buckets = raw.get("buckets") or []
                others = int(raw.get("sum_other_doc_count") or 0)
                if agg.size < 1:  # as the embedded store answers a LIMIT 0
                    buckets, others = [], 0
                out[name] = {
                    "doc_count_error_upper_bound": int(raw.get("doc_count_error_upper_bound") or 0),
                    "sum_other_doc_count": others,
                    "buckets": [
                        {"key": b["key"], "doc_count": int(b["doc_count"])}
                        | reshape(subs, b, f"{where}.{name}.aggs")
                        for b in buckets
                    ],
                }
            case DateHistogram(aggs=subs):
                buckets = raw.get("buckets") or []
                if len(buckets) > MAX_BUCKETS:
                    raise too_many_buckets(f"{where}.{name}")
                out[name] = {
                    "buckets": [
                        {
                            "key": int(b["key"]),
                            "key_as_string": format_epoch_ms(int(b["key"])),
                            "doc_count": int(b["doc_count"]),
                        }
                        | reshape(subs, b, f"{where}.{name}.aggs")
                        for b in buckets
                    ]
                }
            case Percentiles(percents=percents):
                values = raw.get("values") or {}
                out[name] = {
                    "values": {
                        str(float(p)): _number(_percentile(values, float(p))) for p in percents
                    }
                }
            case Cardinality():
                out[name] = {"value": int(raw.get("value") or 0)}
            case Stats():
                out[name] = {
                    "count": int(raw.get("count") or 0),
                    "min": _number(raw.get("min")),
                    "max": _number(raw.get("max")),
                    "avg": _number(raw.get("avg")),
                    "sum": float(raw.get("sum") or 0.0),
                }
    return out


def _percentile(values: dict[str, Any], percent: float) -> Any:
    """The engine's value for ``percent`` (keys are ``"50.0"``, sometimes ``"50"``)."""
    for key, value in values.items():
        try:
            if float(key) == percent:
                return value
        except ValueError:
            continue
    return None
