"""The cluster-capable metrics on osmem-server equal the DuckDB metrics on the same
simulated traffic (percentiles within the documented tolerance)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from logyard.analytics import Analyzer, OpenSearchAnalyticsSink
from logyard.analytics.metrics import (
    CLUSTER_METRICS,
    compute,
    compute_all_on_cluster,
    compute_on_cluster,
)
from logyard.catalog import SYSTEMS
from logyard.errors import QueryError
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore
from logyard.store.opensearch import OpenSearchStore

from ._osmem import osmem, osmem_clone_url

__all__ = ["osmem"]

START = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # the window spans midnight: two days
END = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
WINDOWS = {
    "all": (START, END, None),
    "part": (datetime(2026, 11, 24, 23, 40, tzinfo=UTC), datetime(2026, 11, 25, 0, 10, tzinfo=UTC),
             ("shop-api", "mes-api", "crm", "internet-shop")),
}  # fmt: skip


@dataclass
class Twins:
    store: DuckDBStore
    sink: OpenSearchAnalyticsSink


@pytest.fixture(scope="module")
def twins(osmem: object) -> Iterator[Twins]:
    """Seed 11, two events per second for 90 minutes (~12k events): stored in DuckDB and in
    the cluster's logs-* indices, folded into both analytic schemas."""
    events = list(Simulator(seed=11, rate=2.0, start=START).events(90 * 60))
    store = DuckDBStore(None)
    gen = osmem_clone_url(osmem)
    url = next(gen)
    logs = OpenSearchStore(url, refresh="false", replicas=0)
    for i in range(0, len(events), 4000):
        store.write(WriteBatch(events=events[i : i + 4000]))
        logs.write(WriteBatch(events=events[i : i + 4000]))
    logs.close()
    Analyzer(store).catch_up()
    sink = OpenSearchAnalyticsSink(url, replicas=0)
    Analyzer(store, sink, batch_size=2500).catch_up()
    sink.refresh()
    sink.client.request("POST", "/logs-*/_refresh")
    yield Twins(store, sink)
    sink.close()
    store.close()
    gen.close()


def _both(twins: Twins, name: str, window: str) -> tuple[dict[str, Any], dict[str, Any]]:
    start, end, systems = WINDOWS[window]
    with twins.store.connection() as cur:
        embedded = compute(cur, name, time_from=start, time_to=end, systems=systems)
    cluster = compute_on_cluster(
        twins.sink.client, name, time_from=start, time_to=end, systems=systems
    )
    return embedded.to_json(), cluster.to_json()


EXACT = [m for m in CLUSTER_METRICS if m != "latency"]


@pytest.mark.parametrize("window", sorted(WINDOWS))
@pytest.mark.parametrize("name", EXACT)
def test_same_figures_as_duckdb(twins: Twins, name: str, window: str) -> None:
    """Counts, rates, means and distinct users are exactly the DuckDB figures, overall and
    per system (and over the whole traffic, every metric has something to count)."""
    embedded, cluster = _both(twins, name, window)
    if window == "all":
        assert embedded["count"] > 0, embedded
    assert embedded == cluster


def _quantile(values: list[float], p: float) -> float:
    """DuckDB's quantile_cont: linear interpolation between the two nearest values."""
    pos = min(max(p, 0.0), 1.0) * (len(values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _durations(twins: Twins, window: str) -> dict[str | None, list[float]]:
    start, end, systems = WINDOWS[window]
    with twins.store.connection() as cur:
        rows = cur.execute(
            "SELECT system, duration_ms FROM analytics.requests WHERE ts >= $a AND ts < $b "
            "AND list_contains($s, system)",
            {"a": start.replace(tzinfo=None), "b": end.replace(tzinfo=None),
             "s": list(systems or SYSTEMS)},
        ).fetchall()  # fmt: skip
    out: dict[str | None, list[float]] = {None: sorted(d for _, d in rows)}
    for system, d in rows:
        out.setdefault(system, []).append(d)
    return {k: sorted(v) for k, v in out.items()}


#: How far (in percentile points) a cluster estimate may sit from the exact percentile.
RANK_TOLERANCE = 0.01


@pytest.mark.parametrize("window", sorted(WINDOWS))
def test_latency_percentiles_within_tolerance(twins: Twins, window: str) -> None:
    """Latency p50/p95/p99 on the cluster (t-digest estimates): the same counts, and each
    estimate lies between the exact percentiles one point below and above (p95 between the
    data's p94 and p96), overall and per system (docs/metrics.md)."""
    embedded, cluster = _both(twins, "latency", window)
    data = _durations(twins, window)
    assert sorted(embedded["by_system"]) == sorted(cluster["by_system"])
    figures = [(None, embedded, cluster)] + [
        (s, f, cluster["by_system"][s]) for s, f in embedded["by_system"].items()
    ]
    outside = []
    for system, exact, estimate in figures:
        assert (exact["count"], len(data[system])) == (estimate["count"], exact["count"])
        for p in (50, 95, 99):
            low = _quantile(data[system], p / 100 - RANK_TOLERANCE)
            high = _quantile(data[system], p / 100 + RANK_TOLERANCE)
            got = estimate["detail"][f"p{p}"]
            if not low - 1e-6 <= got <= high + 1e-6:
                outside.append((system, p, low, got, high))
    assert outside == []


def test_a_metric_that_needs_the_embedded_store(twins: Twins) -> None:
    """Asking the cluster for a metric it cannot aggregate says so and lists the others."""
    with pytest.raises(QueryError, match="'connections' needs the embedded store"):
        compute_on_cluster(twins.sink.client, "connections", time_from=START, time_to=END)


def test_all_at_once_equals_one_by_one(twins: Twins) -> None:
    """compute_all_on_cluster (one logs-* count for every metric) answers what each metric
    answers on its own."""
    start, end, systems = WINDOWS["part"]
    one_by_one = [
        compute_on_cluster(
            twins.sink.client, n, time_from=start, time_to=end, systems=systems
        ).to_json()
        for n in CLUSTER_METRICS
    ]
    together = compute_all_on_cluster(
        twins.sink.client, time_from=start, time_to=end, systems=systems
    )
    assert [r.to_json() for r in together] == one_by_one


def test_the_cli_computes_cluster_metrics(twins: Twins, capsys: pytest.CaptureFixture[str]) -> None:
    """`logyard metrics --cluster URL` answers from the cluster's analytic indices with the
    same figures as the library, and names the metrics a cluster cannot compute (exit 2)."""
    import json

    from logyard.cli import main

    url = twins.sink.settings.urls[0]
    span = ["--from", START.isoformat(), "--to", END.isoformat()]
    assert main(["metrics", "error_rate", "--cluster", url, "--json", *span]) == 0
    answer = json.loads(capsys.readouterr().out)
    expected = compute_on_cluster(twins.sink.client, "error_rate", time_from=START, time_to=END)
    assert answer == expected.to_json()
    assert main(["metrics", "mttr", "--cluster", url, *span]) == 2
    err = capsys.readouterr().err
    assert "metric: 'mttr' needs the embedded store" in err
    assert "on a cluster use one of rps, tps, latency, error_rate" in err
