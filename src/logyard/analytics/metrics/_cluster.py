"""The metrics that are plain aggregations, computed on an Elasticsearch/OpenSearch cluster
from the ``analytics-*`` indices (and ``logs-<system>`` for event counts and levels).

Same definitions, same :class:`~logyard.analytics.metrics.Query` in and
:class:`~logyard.analytics.metrics.MetricResult` out as the DuckDB metrics; only the engine
differs::

    result = compute_on_cluster(client, "error_rate", systems=("shop-api",))

Counts, rates, means and distinct users (``cardinality`` with the highest
``precision_threshold``, exact up to 40 000 distinct users per bucket) equal the DuckDB
figures. Percentiles are t-digest estimates on the cluster where DuckDB interpolates
linearly between the two nearest values (``docs/metrics.md``, "Distributed setup").
The metrics that need joins or ordered scans (sessions open at once, retries chained into
calls, outages, cohorts, differences of two times) stay on the embedded store:
:data:`CLUSTER_METRICS` lists the others.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from logyard.analytics._documents import index_of
from logyard.analytics._normalize import ORDER_ACTIONS
from logyard.analytics.metrics._model import Figure, Metric, MetricResult, Query, empty, figure
from logyard.analytics.metrics._sql import NO_EVENTS, emitters, per_time
from logyard.analytics.metrics._usage import window_days
from logyard.errors import QueryError, StoreError
from logyard.store._base import index_name
from logyard.store.opensearch._client import ClusterClient

__all__ = ["CLUSTER_METRICS", "compute_all_on_cluster", "compute_on_cluster"]

_PARAMS = {"ignore_unavailable": "true", "allow_no_indices": "true"}
_SYSTEMS = 20  # terms buckets: more than there are systems
_EXACT_USERS = 40_000  # the largest precision_threshold the engines accept
_NO_REQUESTS = "no api.request events in the window"

Pair = tuple[Figure, dict[str, Figure]]


def _ms(ts: datetime) -> int:
    return int(ts.replace(tzinfo=UTC).timestamp() * 1000)


class _Cluster:
    """Searches of one metric computation (event counts cached across metrics)."""

    def __init__(self, client: ClusterClient) -> None:
        self.client = client
        self._logs: dict[tuple[Any, ...], dict[str, tuple[int, int, int]]] = {}

    def search(self, indices: list[str], body: dict[str, Any]) -> dict[str, Any]:
        path = "/" + ",".join(indices) + "/_search"
        resp = self.client.request("POST", path, body=body, params=_PARAMS)
        if resp.status == 400:
            raise QueryError(f"metrics: the cluster refused the query ({resp.reason()})")
        if not resp.ok or not isinstance(resp.body, dict):
            raise StoreError(
                f"metrics {self.client.settings.where}: search of {path} failed (HTTP "
                f"{resp.status} {resp.reason()}); check the cluster's health"
            )
        return resp.body

    def grouped(
        self, table: str, q: Query, aggs: dict[str, Any], *filters: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
        """The overall bucket and each system's (``doc_count`` and ``aggs``) of the
        table's rows in the window; None / no key where no row matched."""
        window = {"range": {"ts": {"gte": _ms(q.time_from), "lt": _ms(q.time_to),
                                   "format": "epoch_millis"}}}  # fmt: skip
        body = {
            "size": 0,
            "query": {
                "bool": {"filter": [window, {"terms": {"system": list(q.systems)}}, *filters]}
            },
            "aggs": {
                "all": {"filter": {"match_all": {}}, "aggs": aggs},
                "by": {"terms": {"field": "system", "size": _SYSTEMS}, "aggs": aggs},
            },
        }
        found = self.search([index_of(table)], body)["aggregations"]
        overall = found["all"] if found["all"]["doc_count"] else None
        return overall, {str(b["key"]): b for b in found["by"]["buckets"] if b["doc_count"]}

    def counts(self, table: str, q: Query, *filters: dict[str, Any]) -> dict[str, int]:
        _, by = self.grouped(table, q, {}, *filters)
        return {s: int(b["doc_count"]) for s, b in by.items()}

    def logs(self, q: Query) -> dict[str, tuple[int, int, int]]:
        """Per system: stored events, ERROR events and FATAL events in the window."""
        key = (q.time_from, q.time_to, q.systems)
        if key not in self._logs:
            window = {"range": {"@timestamp": {"gte": _ms(q.time_from), "lt": _ms(q.time_to),
                                               "format": "epoch_millis"}}}  # fmt: skip
            level = {
                "errors": {"filter": {"term": {"log.level": "ERROR"}}},
                "fatals": {"filter": {"term": {"log.level": "FATAL"}}},
            }
            body = {
                "size": 0,
                "query": {"bool": {"filter": [window]}},
                "aggs": {
                    "by": {"terms": {"field": "service.name", "size": _SYSTEMS}, "aggs": level}
                },
            }
            found = self.search([index_name(s) for s in q.systems], body)["aggregations"]
            self._logs[key] = {
                str(b["key"]): (
                    int(b["doc_count"]),
                    int(b["errors"]["doc_count"]),
                    int(b["fatals"]["doc_count"]),
                )
                for b in found["by"]["buckets"]
                if b["key"] in q.systems
            }
        return self._logs[key]

    def events(self, q: Query) -> dict[str, int]:
        return {s: n for s, (n, _, _) in self.logs(q).items()}


def _rps(c: _Cluster, q: Query) -> Pair:
    return per_time(c.counts("requests", q), c.events(q), emitters(q, "api.request"), 1.0, q)


def _tps(c: _Cluster, q: Query) -> Pair:
    counts = c.counts("order_events", q)
    return per_time(counts, c.events(q), emitters(q, *ORDER_ACTIONS), 1.0, q)


def _share(condition: dict[str, Any]) -> Callable[[_Cluster, Query], Pair]:
    def compute(c: _Cluster, q: Query) -> Pair:
        overall, by = c.grouped("requests", q, {"hits": {"filter": condition}})

        def one(bucket: dict[str, Any] | None) -> Figure:
            if bucket is None:
                return empty(_NO_REQUESTS)
            hits, total = int(bucket["hits"]["doc_count"]), int(bucket["doc_count"])
            return figure(100.0 * hits / total, total, _NO_REQUESTS, matching=hits)

        return one(overall), {s: one(b) for s, b in by.items()}

    return compute


def _latency(c: _Cluster, q: Query) -> Pair:
    aggs = {"p": {"percentiles": {"field": "duration_ms", "percents": [50, 95, 99]}}}
    overall, by = c.grouped("requests", q, aggs)
    reason = "no requests in the window"

    def one(bucket: dict[str, Any] | None) -> Figure:
        if bucket is None:
            return empty(reason)
        values = bucket["p"]["values"]
        p = {f"p{k}": round(float(values[f"{k}.0"]), 6) for k in (50, 95, 99)}
        return figure(p["p95"], int(bucket["doc_count"]), reason, **p)

    return one(overall), {s: one(b) for s, b in by.items()}


def _csat(c: _Cluster, q: Query) -> Pair:
    reason = "no feedback in the window"
    aggs = {"happy": {"filter": {"range": {"score": {"gte": 4}}}},
            "mean": {"avg": {"field": "score"}}}  # fmt: skip
    overall, by = c.grouped("feedback", q, aggs)

    def one(bucket: dict[str, Any] | None) -> Figure:
        if bucket is None:
            return empty(reason)
        happy, total = int(bucket["happy"]["doc_count"]), int(bucket["doc_count"])
        mean = float(bucket["mean"]["value"])
        return figure(100.0 * happy / total, total, reason, satisfied=happy, mean_score=mean)

    able = emitters(q, "feedback.submitted")
    return one(overall), {s: one(b) for s, b in by.items() if s in able}


def _deployments(c: _Cluster, q: Query) -> Pair:
    counts = c.counts("ops_events", q, {"term": {"action": "deploy.finished"}})
    return per_time(counts, c.events(q), q.systems, timedelta(days=1).total_seconds(), q)


def _crash_rate(c: _Cluster, q: Query) -> Pair:
    software = ({"term": {"action": "service.failure"}}, {"term": {"failure_kind": "software"}})
    return per_time(c.counts("ops_events", q, *software), c.events(q), q.systems, 3600.0, q)


def _bug_rate(c: _Cluster, q: Query) -> Pair:
    logs = c.logs(q)

    def one(total: int, errors: int) -> Figure:
        return figure(1000.0 * errors / total, total, NO_EVENTS, errors=errors)

    by = {s: one(n, e) for s, (n, e, _) in logs.items() if n}
    if not by:
        return empty(NO_EVENTS), by
    return one(sum(n for n, _, _ in logs.values()), sum(e for _, e, _ in logs.values())), by


def _incident_rate(c: _Cluster, q: Query) -> Pair:
    logs = c.logs(q)
    fatals = {s: f for s, (_, _, f) in logs.items()}
    events = {s: n for s, (n, _, _) in logs.items()}
    return per_time(fatals, events, q.systems, timedelta(days=1).total_seconds(), q)


def _activity(c: _Cluster, q: Query, aggs: dict[str, Any]) -> dict[str, Any]:
    d0, d1 = window_days(q)
    body = {
        "size": 0,
        "query": {"bool": {"filter": [
            {"range": {"day": {"gte": d0.isoformat(), "lte": d1.isoformat()}}},
            {"terms": {"system": list(q.systems)}},
        ]}},
        "aggs": {
            "all": {"filter": {"match_all": {}}, "aggs": aggs},
            "by": {"terms": {"field": "system", "size": _SYSTEMS}, "aggs": aggs},
        },
    }  # fmt: skip
    found: dict[str, Any] = c.search([index_of("activity_daily")], body)["aggregations"]
    return found


_USERS = {"users": {"cardinality": {"field": "user_name", "precision_threshold": _EXACT_USERS}}}
_NO_USERS = "no user activity in the window"


def _dau(c: _Cluster, q: Query) -> Pair:
    d0, d1 = window_days(q)
    ndays = (d1 - d0).days + 1
    days = {"days": {"terms": {"field": "day", "size": ndays + 1}, "aggs": _USERS}}
    found = _activity(c, q, days)

    def one(bucket: dict[str, Any]) -> Figure:
        series = {
            datetime.fromtimestamp(int(b["key"]) / 1000, UTC).date(): int(b["users"]["value"])
            for b in bucket["days"]["buckets"]
        }
        if not series:
            return empty(_NO_USERS)
        daily = [series.get(d0 + timedelta(days=i), 0) for i in range(ndays)]
        return figure(
            sum(daily) / ndays, ndays, _NO_USERS,
            series={(d0 + timedelta(days=i)).isoformat(): n for i, n in enumerate(daily)},
        )  # fmt: skip

    by = {str(b["key"]): one(b) for b in found["by"]["buckets"]}
    return one(found["all"]), by


def _mau(c: _Cluster, q: Query) -> Pair:
    found = _activity(c, q, _USERS)

    def one(bucket: dict[str, Any]) -> Figure:
        users = int(bucket["users"]["value"])
        return figure(float(users), users, _NO_USERS) if users else empty(_NO_USERS)

    return one(found["all"]), {str(b["key"]): one(b) for b in found["by"]["buckets"]}


_COMPUTE: dict[str, Callable[[_Cluster, Query], Pair]] = {
    "rps": _rps,
    "tps": _tps,
    "latency": _latency,
    "error_rate": _share({"range": {"status": {"gte": 500}}}),
    "success_rate": _share({"range": {"status": {"lt": 400}}}),
    "retry_rate": _share({"range": {"retry_attempt": {"gt": 0}}}),
    "crash_rate": _crash_rate,
    "dau": _dau,
    "mau": _mau,
    "csat": _csat,
    "bug_rate": _bug_rate,
    "incident_rate": _incident_rate,
    "deployment_frequency": _deployments,
}

#: The metrics a cluster computes by aggregations (the others need the embedded store).
CLUSTER_METRICS: tuple[str, ...] = tuple(_COMPUTE)


def _metric(name: str) -> tuple[Metric, Callable[[_Cluster, Query], Pair]]:
    from logyard.analytics.metrics import METRICS

    metric = METRICS.get(name)
    if metric is None:
        raise QueryError(f"metric: unknown metric {name!r}; use one of {', '.join(METRICS)}")
    compute = _COMPUTE.get(name)
    if compute is None:
        raise QueryError(
            f"metric: {name!r} needs the embedded store (joins or ordered scans the cluster "
            f"does not aggregate); on a cluster use one of {', '.join(CLUSTER_METRICS)}"
        )
    return metric, compute


def compute_on_cluster(
    client: ClusterClient,
    name: str,
    *,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
    systems: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> MetricResult:
    """One metric over ``[time_from, time_to)`` from the cluster's ``analytics-*`` indices
    (``facts_behind`` is 0: the cluster keeps no chain to measure the lag against)."""
    metric, compute = _metric(name)
    query = Query.make(time_from, time_to, systems, metric.default_window, now)
    overall, by_system = compute(_Cluster(client), query)
    return MetricResult(metric, query, overall, by_system, 0)


def compute_all_on_cluster(
    client: ClusterClient,
    *,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
    systems: tuple[str, ...] | None = None,
    now: datetime | None = None,
) -> list[MetricResult]:
    """Every cluster-capable metric, each over its default window unless the bounds are
    given; the stored-event counts of ``logs-*`` are queried once per window."""
    cluster = _Cluster(client)
    out = []
    for name in CLUSTER_METRICS:
        metric, compute = _metric(name)
        query = Query.make(time_from, time_to, systems, metric.default_window, now)
        out.append(MetricResult(metric, query, *compute(cluster, query), 0))
    return out
