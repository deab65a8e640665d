"""The API's JSON and query parameters read into the query model, with path-named errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from logyard.errors import KQLSyntaxError, QueryError
from logyard.store import (
    AggregateRequest,
    Cardinality,
    DateHistogram,
    Percentiles,
    SearchRequest,
    Sort,
    Stats,
    Terms,
    aggregate_request_from_json,
    search_request_from_json,
    search_request_from_params,
)

FROM = datetime(2026, 11, 26, tzinfo=UTC)
TO = datetime(2026, 11, 26, 1, tzinfo=UTC)


def test_elasticsearch_shaped_body() -> None:
    """The documented example becomes the expected model, sub-aggregation included."""
    body = {
        "query": "service.name:mes",
        "from": "2026-11-26T00:00:00Z",
        "to": "2026-11-26T01:00:00Z",
        "systems": ["mes", "logs-mes-api"],
        "aggs": {
            "over_time": {
                "date_histogram": {"field": "@timestamp", "fixed_interval": "1m"},
                "aggs": {"levels": {"terms": {"field": "log.level"}}},
            },
            "p": {"percentiles": {"field": "http.duration_ms", "percents": [50, 99]}},
            "u": {"cardinality": {"field": "user.name"}},
            "s": {"stats": {"field": "http.duration_ms"}},
        },
    }
    expected = AggregateRequest(
        aggs={
            "over_time": DateHistogram(
                "@timestamp", "1m", aggs={"levels": Terms("log.level", size=10)}
            ),
            "p": Percentiles("http.duration_ms", (50.0, 99.0)),
            "u": Cardinality("user.name"),
            "s": Stats("http.duration_ms"),
        },
        query="service.name:mes",
        time_from=FROM,
        time_to=TO,
        systems=("mes", "mes-api"),
    )
    assert expected == aggregate_request_from_json(body)


def test_auto_interval_gives_at_most_100_buckets() -> None:
    """interval auto over one hour picks 1m (60 buckets)."""
    body = {
        "from": "2026-11-26T00:00:00Z",
        "to": "2026-11-26T01:00:00Z",
        "aggs": {"t": {"date_histogram": {"interval": "auto"}}},
    }
    assert DateHistogram("@timestamp", "1m") == aggregate_request_from_json(body).aggs["t"]


def test_auto_interval_over_a_week() -> None:
    """interval auto over seven days picks 3h (56 buckets)."""
    body = {
        "from": "2026-11-19T00:00:00Z",
        "to": "2026-11-26T00:00:00Z",
        "aggs": {"t": {"date_histogram": {"interval": "auto"}}},
    }
    assert DateHistogram("@timestamp", "3h") == aggregate_request_from_json(body).aggs["t"]


def test_auto_interval_without_range_is_left_to_the_store() -> None:
    """Without from/to the store resolves 'auto' from the data."""
    body = {"aggs": {"t": {"date_histogram": {"interval": "auto"}}}}
    assert DateHistogram("@timestamp", "auto") == aggregate_request_from_json(body).aggs["t"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"aggs": {"p": {"percentiles": {}}}},
            "aggs.p.percentiles.field: required; name a numeric field like http.duration_ms",
        ),
        (
            {"aggs": {"p": {"stats": {"field": "user.name"}}}},
            "aggs.p.stats.field: user.name is not numeric; "
            "name a numeric field like http.duration_ms",
        ),
        (
            {"aggs": {"p": {"percentiles": {"field": "http.duration_ms", "percents": [101]}}}},
            "aggs.p.percentiles.percents: expected numbers from 0 to 100, got [101]; "
            "like [50, 95, 99]",
        ),
        (
            {"aggs": {"t": {"date_histogram": {"fixed_interval": "1 week"}}}},
            "aggs.t.date_histogram.fixed_interval: '1 week' is not a fixed interval; "
            "write a number and a unit (ms, s, m, h, d) like 30s, 5m, 1h, or 'auto'",
        ),
        (
            {"aggs": {"t": {"terms": {"field": "log.level", "size": 0}}}},
            "aggs.t.terms.size: expected an integer from 1 to 10000, got 0; fix it",
        ),
        (
            {"aggs": {"t": {"avg": {"field": "x"}}}},
            "aggs.t: expected one of date_histogram, terms, percentiles, cardinality, stats, "
            "got ['avg']; pick one type",
        ),
        (
            {
                "aggs": {
                    "a": {
                        "terms": {"field": "log.level"},
                        "aggs": {"b": {"terms": {"field": "x"}, "aggs": {"c": {"stats": {}}}}},
                    }
                }
            },
            "aggs.a.aggs.b.aggs: aggregations nest one level deep; move this one a level up",
        ),
        ({}, 'aggs: required; name at least one aggregation, like {"n": {"stats": ...}}'),
        (
            {"aggs": {}, "systems": ["erp"]},
            "systems.0: unknown system 'erp'; "
            "use any of internet-shop, shop-api, crm, crm-api, mes, mes-api",
        ),
        (
            {"aggs": {}, "from": "yesterday"},
            "from: 'yesterday' is not a date; "
            "write ISO 8601 like 2026-11-26T05:00:00Z or epoch milliseconds",
        ),
        (
            {"aggs": {}, "from": "2026-11-26T01:00:00Z", "to": "2026-11-26T00:00:00Z"},
            "to: 2026-11-26T00:00:00+00:00 is not after from; swap from and to",
        ),
        (
            {"aggs": {}, "size": 3},
            "size: unknown key; use query, from, to, systems, aggs, aggregations",
        ),
    ],
)
def test_bad_aggregate_requests_name_the_path(body: dict[str, object], message: str) -> None:
    """Every bad request raises QueryError whose message starts with the JSON path."""
    with pytest.raises(QueryError) as info:
        aggregate_request_from_json(body)
    assert message == str(info.value)


def test_query_syntax_errors_surface_while_parsing() -> None:
    """A KQL error is raised by the request parser, with its column."""
    with pytest.raises(KQLSyntaxError) as info:
        aggregate_request_from_json({"query": "a and", "aggs": {}})
    assert info.value.position == 5


def test_search_body() -> None:
    """A search body reads every option."""
    body = {
        "query": "log.level:error",
        "from": 1795651200000,
        "size": 5,
        "sort": [{"http.duration_ms": {"order": "desc"}}, "@timestamp:asc"],
        "search_after": [12.5, 1795651200000, "e1"],
        "systems": ["mes-api"],
    }
    expected = SearchRequest(
        query="log.level:error",
        time_from=FROM,
        size=5,
        sort=(Sort("http.duration_ms", "desc"), Sort("@timestamp", "asc")),
        search_after=(12.5, 1795651200000, "e1"),
        systems=("mes-api",),
    )
    assert expected == search_request_from_json(body)


def test_search_params() -> None:
    """URL parameters: q, comma-separated systems, -field sort, search_after as JSON."""
    params = {
        "q": "order.id:ORD-1",
        "to": "2026-11-26T01:00:00+00:00",
        "systems": "mes,crm",
        "size": "20",
        "sort": "-@timestamp",
        "search_after": '[1795651200000, "e9"]',
    }
    expected = SearchRequest(
        query="order.id:ORD-1",
        time_to=TO,
        systems=("mes", "crm"),
        size=20,
        sort=(Sort("@timestamp", "desc"),),
        search_after=(1795651200000, "e9"),
    )
    assert expected == search_request_from_params(params)


def test_search_defaults() -> None:
    """No parameters: everything, newest first, 100 hits."""
    assert SearchRequest() == search_request_from_params({})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"size": "-1"}, "size: expected an integer from 0 to 10000, got -1; fix it"),
        ({"sort": "ts:up"}, "sort.0: order 'up' is neither asc nor desc; use asc or desc"),
        (
            {"search_after": "[1,"},
            "search_after: not a JSON array; pass the `next` of the previous page",
        ),
    ],
)
def test_bad_search_params(params: dict[str, str], message: str) -> None:
    """Bad search parameters raise QueryError naming the parameter."""
    with pytest.raises(QueryError) as info:
        search_request_from_params(params)
    assert message == str(info.value)
