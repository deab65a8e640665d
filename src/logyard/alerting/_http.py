"""The query model over a running logyard's HTTP API, for ``logyard analyze --url``.

A DuckDB file cannot be opened by a second process while ``logyard up`` writes it, so a
standalone analyzer asks ``/api/v1/search`` and ``/api/v1/aggregate`` instead; evaluation
code cannot tell the difference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from logyard._api_client import ApiClient
from logyard.errors import ConfigError, LogyardError, QueryError, StoreError
from logyard.store import (
    AggregateRequest,
    AggregateResult,
    Aggregation,
    Cardinality,
    DateHistogram,
    Percentiles,
    SearchRequest,
    SearchResult,
    Stats,
    Terms,
)

__all__ = ["HttpQuerier", "aggregation_json"]


def aggregation_json(agg: Aggregation) -> dict[str, Any]:
    """One aggregation in the API's (Elasticsearch-shaped) JSON."""
    match agg:
        case Terms():
            out: dict[str, Any] = {"terms": {"field": agg.field, "size": agg.size}}
        case DateHistogram():
            out = {"date_histogram": {"field": agg.field, "fixed_interval": agg.interval}}
        case Percentiles():
            out = {"percentiles": {"field": agg.field, "percents": list(agg.percents)}}
        case Cardinality():
            out = {"cardinality": {"field": agg.field}}
        case Stats():
            out = {"stats": {"field": agg.field}}
    subs = getattr(agg, "aggs", None)
    if subs:
        out["aggs"] = {name: aggregation_json(sub) for name, sub in subs.items()}
    return out


def _time(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts is not None else None


class _QueryClient(ApiClient):
    """The API client with errors for an analyzer: a rule is evaluated again next cycle."""

    def refused(self, status: int, detail: str) -> LogyardError:
        if status in (401, 403):
            # The API's own "how to fix" speaks HTTP; the analyzer is fixed with a flag.
            what = detail.split(";")[0]
            return ConfigError(
                f"{self.url}: {what}; pass --token (a token whose role may search "
                "and aggregate) or set LOGYARD_TOKEN"
            )
        if status == 400:
            return QueryError(f"{self.url}: {detail}")
        return StoreError(f"{self.url}: HTTP {status}: {detail}")

    def unreachable(self, reason: object) -> LogyardError:
        return StoreError(
            f"{self.url}: cannot reach logyard ({reason}); the rule is evaluated again "
            "in the next cycle"
        )


class HttpQuerier:
    """``search`` and ``aggregate`` of the store interface, answered by a logyard API."""

    def __init__(self, url: str, token: str | None, *, timeout_secs: float = 60.0) -> None:
        self._api = _QueryClient(url, token, timeout_secs=timeout_secs)
        self.url = self._api.url
        self.timeout_secs = timeout_secs

    def __repr__(self) -> str:
        return f"HttpQuerier(url={self.url!r}, token=[secure])"

    def search(self, request: SearchRequest) -> SearchResult:
        if request.sort and (len(request.sort) > 1 or request.sort[0].field != "@timestamp"):
            raise QueryError("sort: the HTTP API sorts by @timestamp only; sort by @timestamp")
        params: dict[str, Any] = {
            "q": request.query,
            "from": _time(request.time_from),
            "to": _time(request.time_to),
            "size": request.size,
            "sort": request.sort[0].order if request.sort else "desc",
            "systems": ",".join(request.systems) if request.systems else None,
            # the API's cursor is opaque text; it travels as a one-item tuple
            "search_after": request.search_after[0] if request.search_after else None,
        }
        answer = self._api.get("/api/v1/search", params)
        nxt = answer.get("next")
        return SearchResult(
            total=int(answer["total"]), hits=answer["hits"], next=(nxt,) if nxt else None
        )

    def aggregate(self, request: AggregateRequest) -> AggregateResult:
        body: dict[str, Any] = {
            "query": request.query,
            "aggs": {name: aggregation_json(a) for name, a in request.aggs.items()},
        }
        if request.time_from is not None:
            body["from"] = _time(request.time_from)
        if request.time_to is not None:
            body["to"] = _time(request.time_to)
        if request.systems:
            body["systems"] = list(request.systems)
        answer = self._api.post("/api/v1/aggregate", body)
        return AggregateResult(total=int(answer["total"]), aggregations=answer["aggregations"])
