"""Alerting works on any Store: the same rules over the same events give the same findings
on DuckDB and on the OpenSearch store (osmem-server on loopback), and a service cycle
(date histogram of window counts included) raises the same alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.unit.alerting._world import (
    Recorder,
    api,
    at,
    calc,
    error,
    fatal,
    received,
    ruleset,
    service,
)

from logyard.alerting import evaluate, fingerprint, rules_from_dict
from logyard.store import Store, WriteBatch
from logyard.store.duckdb import DuckDBStore

END = at(600)


def _duckdb(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return DuckDBStore(tmp_path / "x.duckdb")


def _opensearch(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    from logyard.store.opensearch import OpenSearchStore

    return OpenSearchStore(request.getfixturevalue("opensearch_url"), replicas=0)


STORES: dict[str, Callable[[pytest.FixtureRequest, Path], Store]] = {
    "duckdb": _duckdb,
    "opensearch": _opensearch,
}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s = STORES[request.param](request, tmp_path)
    s.write(WriteBatch(events=EVENTS))
    yield s
    s.close()


def _logins(secs: int, n: int, ip: str) -> list[Any]:
    return [api(secs + i, "shop-api", 401, route="/api/auth/login", ip=ip) for i in range(n)]


EVENTS: list[Any] = [
    *_logins(300, 11, "10.0.0.1"),
    *_logins(400, 4, "10.0.0.2"),
    *[api(300 + i, "mes-api", 500 if i < 6 else 200) for i in range(100)],
    *[api(300 + i, "crm-api", 500 if i < 1 else 200) for i in range(100)],
    *[calc(-3000 + 60 * i, 800.0) for i in range(50)],
    *[calc(300 + 10 * i, 2000.0) for i in range(20)],
    received(-600),
    *[error(-3300 + 300 * i, "mes", "GCodeError", "slicer failed for order 7") for i in range(12)],
    *[error(300 + i, "mes", "GCodeError", "slicer failed for order 8") for i in range(30)],
    fatal(310, "mes", "printer-07 halted"),
]

RULES: dict[str, tuple[dict[str, Any], list[tuple[str, float | None]]]] = {
    "threshold": (
        {"type": "threshold", "query": "http.response.status_code:401", "group_by": "client.ip",
         "above": 10},
        [("10.0.0.1", 11)],
    ),
    "ratio": (
        {"type": "ratio", "query": "event.action:api.request", "group_by": "service.name",
         "numerator": "http.response.status_code >= 500", "above": 0.05},
        [("mes-api", 0.06)],
    ),
    "latency": (
        {"type": "latency", "query": "event.action:order.calculated",
         "field": "order.calculation_duration_ms", "over_baseline": 1.5, "baseline": "1h"},
        [("", 2000.0)],
    ),
    "absence": (
        {"type": "absence", "query": "event.action:order.received", "group_by": "service.name"},
        [("crm-api", 0)],
    ),
    "spike": (
        {"type": "spike", "query": "log.level:ERROR", "group_by": "service.name", "factor": 3},
        [("mes", 30)],
    ),
    "slo_burn": (
        {"type": "slo_burn", "query": "service.name:mes-api and event.action:api.request",
         "bad": "http.response.status_code >= 500", "objective": 0.99},
        [("", 1.0)],  # 6% bad = 6x burn over 1h, 5m, 6h and 30m: 6x / 6x = 1.0
    ),
    "fatal": ({"type": "fatal"}, [("<id>", None)]),
    "new_signature": (
        {"type": "new_signature", "query": "event.action:error"},
        [(fingerprint("GCodeError", "slicer failed for order 8"), None)],
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(RULES))
def test_each_rule_type_finds_the_same_on_every_store(store: Store, kind: str) -> None:
    """The findings (group, value) of each rule type are equal on DuckDB and OpenSearch."""
    spec, expected = RULES[kind]
    rule = rules_from_dict({"rules": [{"name": "r", **spec}]}).rules[0]
    found = [(f.group if kind != "fatal" else "<id>", f.value) for f in evaluate(rule, store, END)]
    assert found == expected


def test_a_service_cycle_alerts_the_same_on_every_store(store: Store, tmp_path: Path) -> None:
    """A cycle (window-count histogram, evaluation, state) notifies the brute force at
    [300, 600) and its end at [360, 660)."""
    rec = Recorder()
    rule = {"name": "logins", "type": "threshold", "query": "http.response.status_code:401",
            "group_by": "client.ip", "above": 10}  # fmt: skip
    svc = service(ruleset(rule), store, tmp_path / "a.db", rec)  # type: ignore[arg-type]
    svc.run_cycle(at(660))
    assert svc.run_cycle(at(720)).windows == 1  # no late events: no re-check
    assert rec.seen() == [("firing", "logins", "10.0.0.1"), ("resolved", "logins", "10.0.0.1")]
