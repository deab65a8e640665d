"""What a search or an aggregation may ask, checked alike by every backend.

A query names fields of at most 256 characters and compares number fields with numbers.
A page holds at most :data:`MAX_PAGE_SIZE` hits and is sorted by fields that hold one value
(not objects or lists); ``search_after`` carries one value per sort key. Aggregations take
fields that hold one value, metrics only numbers; a date histogram has at most
:data:`MAX_BUCKETS` buckets, over the request's time range when it counts ``@timestamp``.
Each check raises :class:`~logyard.errors.QueryError` naming the request's key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from logyard.errors import QueryError
from logyard.store._dates import auto_interval, interval_ms, to_epoch_ms
from logyard.store._fields import FieldKind, FieldRef, field_ref

__all__ = [
    "MAX_BUCKETS",
    "MAX_PAGE_SIZE",
    "check_aggregated",
    "check_histogram_field",
    "check_page_size",
    "check_search_after",
    "check_sortable",
    "histogram_bounds",
    "histogram_interval",
    "query_field",
    "query_number",
    "too_many_buckets",
]

MAX_PAGE_SIZE = 10_000
MAX_BUCKETS = 10_000


def query_field(field: str) -> FieldRef:
    """The field a query names, resolved (:func:`~logyard.store._fields.field_ref`)."""
    if not field or len(field) > 256:
        raise QueryError(f"{field!r}: not a field name; name a field like service.name")
    return field_ref(field)


def query_number(field: str, value: str) -> float:
    """The number a query compares number field ``field`` with."""
    try:
        return float(value)
    except ValueError:
        raise QueryError(
            f"{field}: {value!r} is not a number; this field holds numbers, "
            "compare it with one like 500 or 0.25"
        ) from None


def check_page_size(size: int) -> None:
    """A page of 0 to :data:`MAX_PAGE_SIZE` hits."""
    if not 0 <= size <= MAX_PAGE_SIZE:
        raise QueryError(
            f"size: {size} is out of range; ask for 0 to {MAX_PAGE_SIZE} hits "
            "and page with search_after"
        )


def check_sortable(i: int, field: str, kind: FieldKind) -> None:
    """Sort key ``i`` names a field that holds one value."""
    if kind in ("object", "list"):
        raise QueryError(
            f"sort.{i}.field: {field} is an {kind}; sort by a number, date or string field"
        )


def check_search_after(values: tuple[Any, ...], keys: int) -> None:
    """``search_after`` has one value per sort key (tie-breaker included)."""
    if len(values) != keys:
        raise QueryError(
            f"search_after: expected {keys} values, got {len(values)}; "
            "pass the `next` of the previous page unchanged"
        )


def check_aggregated(field: str, kind: FieldKind, where: str, *, numeric: bool) -> None:
    """An aggregation at ``where`` names a field of one value (a number when ``numeric``;
    an unknown field is taken as a number where it holds one)."""
    if kind in ("object", "list"):
        raise QueryError(
            f"{where}.field: {field} is an {kind}; aggregate a number, date or string field"
        )
    if numeric and kind not in ("number", "unknown"):
        raise QueryError(
            f"{where}.field: {field} is not numeric; pick a number field like http.duration_ms"
        )


def check_histogram_field(field: str, kind: FieldKind, where: str) -> None:
    """A date histogram at ``where`` counts a date field."""
    if kind != "date":
        raise QueryError(f"{where}.date_histogram.field: {field} is not a date; use @timestamp")


def too_many_buckets(where: str) -> QueryError:
    """The error of a date histogram at ``where`` with more than :data:`MAX_BUCKETS` buckets."""
    return QueryError(
        f"{where}.date_histogram: more than {MAX_BUCKETS} buckets; use a larger interval or 'auto'"
    )


def histogram_bounds(
    field: str, time_from: datetime | None, time_to: datetime | None
) -> tuple[int | None, int | None]:
    """The request's time range in ms (the last millisecond inside it), when a histogram
    is over ``@timestamp``: its buckets then span the whole range."""
    if field != "@timestamp":
        return None, None
    lo = to_epoch_ms(time_from) if time_from else None
    hi = to_epoch_ms(time_to) - 1 if time_to else None
    return lo, hi


def histogram_interval(
    interval: str,
    where: str,
    time_from: datetime | None,
    time_to: datetime | None,
    probe: Callable[[], tuple[datetime | None, datetime | None]],
) -> int:
    """The step in ms of a date histogram at ``where``: its fixed ``interval``, or for
    ``auto`` the smallest round one that cuts the request's time range into few enough
    buckets. An open side of the range is taken from the data (``probe``: the field's min
    and max); with no data either, one minute."""
    if interval != "auto":
        return interval_ms(interval, f"{where}.date_histogram.fixed_interval")
    lo, hi = time_from, time_to
    if lo is None or hi is None:
        found_lo, found_hi = probe()
        lo = found_lo if lo is None else lo
        hi = found_hi if hi is None else hi
    if lo is None or hi is None:
        return 60_000
    return interval_ms(auto_interval(_utc(lo), _utc(hi)), f"{where}.date_histogram.fixed_interval")


def _utc(ts: datetime) -> datetime:
    """``ts`` with a time zone (naive means UTC), so a request's bound and a probed one mix."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts
