"""The request checks both backends share: page size, sort keys, search_after, aggregations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from logyard.errors import QueryError
from logyard.store._requests import (
    check_aggregated,
    check_histogram_field,
    check_page_size,
    check_search_after,
    check_sortable,
    histogram_bounds,
    histogram_interval,
    query_field,
    query_number,
    too_many_buckets,
)


def _message(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(QueryError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(caught.value)


def test_page_size_bounds() -> None:
    """0 and 10 000 hits are pages; 10 001 is refused with the range and how to page."""
    check_page_size(0)
    check_page_size(10_000)
    expected = "size: 10001 is out of range; ask for 0 to 10000 hits and page with search_after"
    assert expected == _message(check_page_size, 10_001)


def test_sort_by_an_object_is_refused() -> None:
    """A sort key on an object field names the key's position and the kinds that sort."""
    check_sortable(0, "http.duration_ms", "number")
    expected = "sort.1.field: order.params is an object; sort by a number, date or string field"
    assert expected == _message(check_sortable, 1, "order.params", "object")


def test_search_after_needs_one_value_per_key() -> None:
    """search_after with fewer values than sort keys says how many and what to pass."""
    check_search_after((1, "a"), 2)
    expected = (
        "search_after: expected 2 values, got 1; pass the `next` of the previous page unchanged"
    )
    assert expected == _message(check_search_after, (1,), 2)


def test_aggregated_fields() -> None:
    """Metrics take numbers or unknown fields; nothing aggregates an object or a list."""
    check_aggregated("labels.cost", "unknown", "aggs.s.stats", numeric=True)
    check_aggregated("user.name", "keyword", "aggs.t.terms", numeric=False)
    expected = (
        "aggs.s.stats.field: user.name is not numeric; pick a number field like http.duration_ms",
        "aggs.t.terms.field: tags is an list; aggregate a number, date or string field",
    )
    assert expected == (
        _message(check_aggregated, "user.name", "keyword", "aggs.s.stats", numeric=True),
        _message(check_aggregated, "tags", "list", "aggs.t.terms", numeric=False),
    )


def test_histograms_count_dates_in_bounded_buckets() -> None:
    """A histogram over a non-date is refused; too many buckets is an error naming it."""
    check_histogram_field("@timestamp", "date", "aggs.h")
    expected = (
        "aggs.h.date_histogram.field: user.name is not a date; use @timestamp",
        "aggs.h.date_histogram: more than 10000 buckets; use a larger interval or 'auto'",
    )
    assert expected == (
        _message(check_histogram_field, "user.name", "keyword", "aggs.h"),
        str(too_many_buckets("aggs.h")),
    )


def test_histogram_bounds_follow_the_time_range_of_timestamp_only() -> None:
    """Over @timestamp the bounds are the range's first and last millisecond; else none."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2026, 1, 2, tzinfo=UTC)
    start_ms = 1_767_225_600_000
    assert ((start_ms, start_ms + 86_400_000 - 1), (None, None), (start_ms, None)) == (
        histogram_bounds("@timestamp", start, end),
        histogram_bounds("order.created_at", start, end),
        histogram_bounds("@timestamp", start, None),
    )


def test_query_fields_and_numbers() -> None:
    """A field is named by 1 to 256 characters; a number field compares with a number."""
    ref = query_field("order.params.color")
    expected_resolved = ("order.params", ("color",), "unknown", 0.25)
    assert expected_resolved == (
        ref.key,
        ref.path,
        ref.kind,
        query_number("http.duration_ms", "0.25"),
    )
    expected = (
        "'': not a field name; name a field like service.name",
        "http.duration_ms: 'slow' is not a number; this field holds numbers, "
        "compare it with one like 500 or 0.25",
    )
    assert expected == (
        _message(query_field, ""),
        _message(query_number, "http.duration_ms", "slow"),
    )


def _no_probe() -> tuple[datetime | None, datetime | None]:
    raise AssertionError("the data's range was read although the request gave it")


def test_histogram_interval_fixed_and_auto_over_the_request_range() -> None:
    """A fixed interval is taken as it is; ``auto`` over one hour is one minute (61 buckets
    at most), without reading the data's range."""
    lo, hi = datetime(2026, 11, 26, 9, tzinfo=UTC), datetime(2026, 11, 26, 10, tzinfo=UTC)
    expected = (300_000, 60_000)
    assert expected == (
        histogram_interval("5m", "aggs.x", None, None, _no_probe),
        histogram_interval("auto", "aggs.x", lo, hi, _no_probe),
    )


def test_histogram_interval_auto_takes_open_sides_from_the_data() -> None:
    """An open side comes from the probe (a naive probed time counts as UTC): a day is cut
    in half hours; no data at all gives one minute."""
    lo = datetime(2026, 11, 26, 9, tzinfo=UTC)

    def probe() -> tuple[datetime | None, datetime | None]:
        return datetime(2026, 11, 25, 9), datetime(2026, 11, 26, 9)

    expected = (1_800_000, 60_000)  # a day in half hours
    assert expected == (
        histogram_interval("auto", "aggs.x", None, lo, probe),
        histogram_interval("auto", "aggs.x", None, None, lambda: (None, None)),
    )


def test_histogram_interval_bad_fixed_interval_names_the_key() -> None:
    """A fixed interval that is not one names ``<where>.date_histogram.fixed_interval``."""
    message = _message(histogram_interval, "soon", "aggs.x", None, None, _no_probe)
    assert message.startswith("aggs.x.date_histogram.fixed_interval: ")
