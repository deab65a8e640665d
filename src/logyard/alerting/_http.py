"""The query model over a running logyard's HTTP API, for ``logyard analyze --url``.

A DuckDB file cannot be opened by a second process while ``logyard up`` writes it, so a
standalone analyzer asks ``/api/v1/search`` and ``/api/v1/aggregate`` instead; evaluation
code cannot tell the difference.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from logyard.errors import ConfigError, QueryError, StoreError
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


class HttpQuerier:
    """``search`` and ``aggregate`` of the store interface, answered by a logyard API."""

    def __init__(self, url: str, token: str | None, *, timeout_secs: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self._token = token
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
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
        answer = self._call(urllib.request.Request(f"{self.url}/api/v1/search?{query}"))
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
        answer = self._call(
            urllib.request.Request(
                f"{self.url}/api/v1/aggregate",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
        )
        return AggregateResult(total=int(answer["total"]), aggregations=answer["aggregations"])

    def _call(self, req: urllib.request.Request) -> Any:
        if self._token:
            req.add_header("Authorization", f"Bearer {self._token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_secs) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read()).get("detail", exc.reason)
            except ValueError:
                detail = exc.reason
            if exc.code in (401, 403):
                raise ConfigError(
                    f"{self.url}: {detail}; pass --token (a token whose role may search "
                    "and aggregate) or set LOGYARD_TOKEN"
                ) from None
            if exc.code == 400:
                raise QueryError(f"{self.url}: {detail}") from None
            raise StoreError(f"{self.url}: HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise StoreError(
                f"{self.url}: cannot reach logyard ({reason}); the rule is evaluated again "
                "in the next cycle"
            ) from None
