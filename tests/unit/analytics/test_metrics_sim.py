"""Every metric on simulator data equals the value computed by hand from the raw events.

The expected values come from :mod:`tests.unit.analytics._reference` (plain Python over
the simulator's event objects, no SQL); each test runs on two windows: the whole two
days and a window cut inside them (so clipping at the edges is exercised).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.analytics import _reference as ref
from tests.unit.analytics.conftest import START, SimWorld

from logyard.analytics.metrics import compute
from logyard.catalog import CATALOG, ApiRequest, ServiceFailure

WINDOWS = {
    "two-days": ref.Window(START, START + timedelta(days=2)),
    "cut": ref.Window(START + timedelta(hours=7, minutes=13), START + timedelta(hours=31)),
}
APIS = ("crm-api", "mes-api", "shop-api")


def approx(x: float) -> Any:
    return pytest.approx(x, rel=1e-6, abs=1e-6)


def metric(world: SimWorld, name: str, w: ref.Window, **kw: Any) -> dict[str, Any]:
    with world.store.connection() as cur:
        result: dict[str, Any] = compute(
            cur, name, time_from=w.start, time_to=w.end, **kw
        ).to_json()
    return result


def values(result: dict[str, Any]) -> dict[str, float | None]:
    return {s: f["value"] for s, f in result["by_system"].items()}


@pytest.fixture(params=sorted(WINDOWS))
def window(request: pytest.FixtureRequest) -> ref.Window:
    return WINDOWS[request.param]


# -- performance ------------------------------------------------------------------------------
def test_rps(sim_world: SimWorld, window: ref.Window) -> None:
    """rps: api.request events / window seconds, per API and over the APIs."""
    reqs = ref.requests(sim_world.events, window)
    per = ref.counts_by_system(reqs)
    result = metric(sim_world, "rps", window)
    assert {s: approx(per[s] / window.secs) for s in APIS} == values(result)
    assert approx(len(reqs) / window.secs) == result["value"]


def test_tps(sim_world: SimWorld, window: ref.Window) -> None:
    """tps: order events / window seconds."""
    orders = [e for e in ref.in_window(sim_world.events, window) if e.ACTION in ref.ORDER_ACTIONS]
    result = metric(sim_world, "tps", window)
    assert approx(len(orders) / window.secs) == result["value"]
    per = ref.counts_by_system(orders)
    assert {s: approx(n / window.secs) for s, n in per.items()} == values(result)


@pytest.mark.parametrize("name", ["latency", "response_time"])
def test_percentiles(sim_world: SimWorld, window: ref.Window, name: str) -> None:
    """latency (per attempt) and response time (per call, retries included): p50/p95/p99."""
    reqs = ref.requests(sim_world.events, window)
    result = metric(sim_world, name, window)

    def sample(rs: list[ApiRequest]) -> list[float]:
        return [r.duration_ms for r in rs] if name == "latency" else ref.response_times(rs)

    xs = sample(reqs)
    expected = {f"p{int(q * 100)}": approx(ref.percentile(xs, q)) for q in (0.5, 0.95, 0.99)}
    assert expected == result["detail"]
    assert approx(ref.percentile(xs, 0.95)) == result["value"]
    mes = sample([r for r in reqs if r.service == "mes-api"])
    assert approx(ref.percentile(mes, 0.99)) == result["by_system"]["mes-api"]["detail"]["p99"]


# -- reliability -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "hit"),
    [
        ("error_rate", lambda r: r.status_code >= 500),
        ("success_rate", lambda r: r.status_code < 400),
        ("retry_rate", lambda r: r.retry_attempt > 0),
    ],
)
def test_request_shares(sim_world: SimWorld, window: ref.Window, name: str, hit: Any) -> None:
    """error/success/retry rate: the share of api.request attempts, x100."""
    reqs = ref.requests(sim_world.events, window)
    result = metric(sim_world, name, window)
    assert approx(100 * sum(map(hit, reqs)) / len(reqs)) == result["value"]
    for system in APIS:
        mine = [r for r in reqs if r.service == system]
        assert approx(100 * sum(map(hit, mine)) / len(mine)) == values(result)[system]


# -- availability, recovery, stability ----------------------------------------------------------
def test_availability(sim_world: SimWorld, window: ref.Window) -> None:
    """availability: 100 x (1 - merged stopped->started downtime / window); mean of systems."""
    down = ref.downtime(sim_world.events, window)
    assert down  # the simulator restarts services: something to check
    per = {s: approx(100 * (1 - down.get(s, 0.0) / window.secs)) for s in CATALOG["error"].systems}
    result = metric(sim_world, "availability", window)
    assert per == values(result)
    mean = sum(100 * (1 - down.get(s, 0.0) / window.secs) for s in per) / len(per)
    assert approx(mean) == result["value"]


def test_mttr(sim_world: SimWorld, window: ref.Window) -> None:
    """mttr: mean failure -> next start (before the next failure) over recovered failures."""
    found = ref.failures(sim_world.events, window)
    repairs = [(up - f.timestamp).total_seconds() for f, up in found if up is not None]
    result = metric(sim_world, "mttr", window)
    assert approx(sum(repairs) / len(repairs)) == result["value"]
    assert (len(found), len(found) - len(repairs)) == (
        result["detail"]["failures"],
        result["detail"]["unrecovered"],
    )
    crm = [(up - f.timestamp).total_seconds() for f, up in found if up and f.service == "crm-api"]
    assert approx(sum(crm) / len(crm)) == values(result)["crm-api"]


def test_mttf(sim_world: SimWorld, window: ref.Window) -> None:
    """mttf: (window - downtime) / failures, per system and over all systems."""
    found = ref.failures(sim_world.events, window)
    down = ref.downtime(sim_world.events, window)
    n = defaultdict(int, ref.counts_by_system(f for f, _ in found))
    systems = CATALOG["error"].systems
    expected = {
        s: (approx((window.secs - down.get(s, 0.0)) / n[s]) if n[s] else None) for s in systems
    }
    result = metric(sim_world, "mttf", window)
    assert expected == values(result)
    uptime = sum(window.secs - down.get(s, 0.0) for s in systems)
    assert approx(uptime / len(found)) == result["value"]


def test_crash_rate(sim_world: SimWorld, window: ref.Window) -> None:
    """crash_rate: software service.failure events per hour."""
    crashes = [
        e for e in ref.in_window(sim_world.events, window)
        if isinstance(e, ServiceFailure) and e.kind == "software"
    ]  # fmt: skip
    hours = window.secs / 3600
    result = metric(sim_world, "crash_rate", window)
    assert approx(len(crashes) / hours) == result["value"]
    per = defaultdict(int, ref.counts_by_system(crashes))
    assert {s: approx(per[s] / hours) for s in CATALOG["error"].systems} == values(result)


def test_connections(sim_world: SimWorld, window: ref.Window) -> None:
    """connections: peak sessions open at once, per system and over all."""
    ss = ref.sessions(sim_world.events)
    result = metric(sim_world, "connections", window)
    peak, n = ref.peak_concurrent(ss, window)
    assert (peak, n) == (result["value"], result["count"])
    systems = {s.system for s in ss}
    expected = {
        system: float(ref.peak_concurrent([s for s in ss if s.system == system], window)[0])
        for system in systems
    }
    assert expected == values(result)


# -- usage --------------------------------------------------------------------------------------
def test_dau(sim_world: SimWorld, window: ref.Window) -> None:
    """dau: distinct users per overlapped UTC day, averaged over the days."""
    act = ref.activity(sim_world.events)
    days = window.days
    daily = [len({u for _, u, d in act if d == day}) for day in days]
    result = metric(sim_world, "dau", window)
    assert approx(sum(daily) / len(days)) == result["value"]
    crm = [len({u for s, u, d in act if d == day and s == "crm"}) for day in days]
    assert approx(sum(crm) / len(days)) == values(result)["crm"]


def test_mau(sim_world: SimWorld, window: ref.Window) -> None:
    """mau: distinct users over the overlapped days."""
    act = ref.activity(sim_world.events)
    days = set(window.days)
    result = metric(sim_world, "mau", window)
    assert len({u for _, u, d in act if d in days}) == result["value"]
    assert len({u for s, u, d in act if d in days and s == "mes"}) == values(result)["mes"]


def test_retention(sim_world: SimWorld) -> None:
    """retention: day-1 retention of the first day's cohort (pooled over system, user)."""
    w = WINDOWS["two-days"]
    act = ref.activity(sim_world.events)
    first: dict[tuple[str, str], Any] = {}
    for s, u, d in act:
        first[(s, u)] = min(first.get((s, u), d), d)
    day0 = w.days[0]
    cohort = [k for k, d in first.items() if d == day0]
    kept = [k for k in cohort if (k[0], k[1], day0 + timedelta(days=1)) in act]
    result = metric(sim_world, "retention", w)
    assert approx(100 * len(kept) / len(cohort)) == result["value"]
    table = result["detail"]["cohorts"]
    assert [day0.isoformat(), len(cohort), [len(cohort), len(kept)]] == [
        table[0]["cohort"],
        table[0]["users"],
        table[0]["retained"],
    ]


# -- quality ------------------------------------------------------------------------------------
def test_csat(sim_world: SimWorld, window: ref.Window) -> None:
    """csat: share of scores 4-5 among feedback, x100."""
    fb = ref.feedback(sim_world.events, window)
    result = metric(sim_world, "csat", window)
    assert approx(100 * sum(f.score >= 4 for f in fb) / len(fb)) == result["value"]
    shop = [f for f in fb if f.service == "internet-shop"]
    assert (
        approx(100 * sum(f.score >= 4 for f in shop) / len(shop)) == values(result)["internet-shop"]
    )


def test_bug_rate(sim_world: SimWorld, window: ref.Window) -> None:
    """bug_rate: ERROR events per 1000 stored events."""
    evs = ref.in_window(sim_world.events, window)
    errors = sum(e.level == "ERROR" for e in evs)
    result = metric(sim_world, "bug_rate", window)
    assert approx(1000 * errors / len(evs)) == result["value"]


def test_incident_rate(sim_world: SimWorld, window: ref.Window) -> None:
    """incident_rate: FATAL events per day."""
    fatal = sum(e.level == "FATAL" for e in ref.in_window(sim_world.events, window))
    result = metric(sim_world, "incident_rate", window)
    assert approx(fatal / (window.secs / 86_400)) == result["value"]


# -- delivery -----------------------------------------------------------------------------------
def test_deployment_frequency(sim_world: SimWorld, window: ref.Window) -> None:
    """deployment_frequency: deploy.finished per day."""
    deploys = ref.deploys(sim_world.events, window)
    result = metric(sim_world, "deployment_frequency", window)
    assert approx(len(deploys) / (window.secs / 86_400)) == result["value"]


def test_lead_time(sim_world: SimWorld, window: ref.Window) -> None:
    """lead_time: median of deploy time - commit time."""
    leads = [
        (d.timestamp - d.commit_time).total_seconds() for d in ref.deploys(sim_world.events, window)
    ]
    result = metric(sim_world, "lead_time", window)
    assert approx(ref.percentile(leads, 0.5)) == result["value"]


def test_time_to_market(sim_world: SimWorld, window: ref.Window) -> None:
    """time_to_market: median order.created -> first 'printed' status, orders created in the
    window; the unprinted ones are pending."""
    orders = ref.orders(sim_world.events)
    made = [o for o in orders.values() if "created_at" in o and window.has(o["created_at"])]
    spans = [(o["printed_at"] - o["created_at"]).total_seconds() for o in made if "printed_at" in o]
    result = metric(sim_world, "time_to_market", window)
    assert approx(ref.percentile(spans, 0.5)) == result["value"]
    assert len(made) - len(spans) == result["detail"]["pending"]


def test_system_filter(sim_world: SimWorld) -> None:
    """--system narrows the overall value to the chosen systems."""
    w = WINDOWS["two-days"]
    reqs = [r for r in ref.requests(sim_world.events, w) if r.service == "crm-api"]
    result = metric(sim_world, "error_rate", w, systems=("crm-api",))
    assert (approx(100 * sum(r.status_code >= 500 for r in reqs) / len(reqs)), ["crm-api"]) == (
        result["value"],
        list(result["by_system"]),
    )


class _Counting:
    """A connection that counts the statements reading the ``logs`` table."""

    def __init__(self, cur: Any) -> None:
        self._cur = cur
        self.log_scans: list[str] = []

    def execute(self, sql: str, *args: Any) -> Any:
        if "FROM logs" in sql:
            self.log_scans.append(sql)
        return self._cur.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def test_compute_all_scans_the_logs_once(sim_world: SimWorld) -> None:
    """compute_all over one window reads ``logs`` in one statement (the stored, ERROR and
    FATAL events per system that the rates, bug rate and incident rate share), and the
    metrics built on those counts equal those computed one at a time (bug rate per system
    also by hand)."""
    from logyard.analytics.metrics import compute_all

    w = WINDOWS["cut"]
    with sim_world.store.connection() as cur:
        counting = _Counting(cur)
        results = compute_all(counting, time_from=w.start, time_to=w.end)  # type: ignore[arg-type]
    assert len(counting.log_scans) == 1, counting.log_scans
    together = {r.metric.name: r.to_json() for r in results}
    evs = ref.in_window(sim_world.events, w)
    errors: dict[str, int] = defaultdict(int)
    stored: dict[str, int] = defaultdict(int)
    for e in evs:
        stored[e.service] += 1
        errors[e.service] += e.level == "ERROR"
    assert values(together["bug_rate"]) == {
        s: approx(1000 * errors[s] / n) for s, n in stored.items()
    }
    for name in ("bug_rate", "incident_rate", "rps", "crash_rate", "deployment_frequency"):
        assert together[name] == metric(sim_world, name, w), name
