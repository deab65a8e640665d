"""The shipped default rules on hand-built events of the catalogue (what the simulator and
the six systems log): each pain point fires on its symptom and stays quiet without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from logyard.alerting import DEFAULT_RULES, AlertService, AlertState, evaluate, load_rules
from logyard.catalog import OrderListViewed
from logyard.store.duckdb import DuckDBStore

from ._world import api, at, calc, error, fatal, received, write

RULES = load_rules(DEFAULT_RULES)
END = at(3600)


def rule(name: str) -> Any:
    found = RULES.rule(name)
    assert found is not None
    return found


def listed(secs: float, ms: float) -> OrderListViewed:
    return OrderListViewed(
        timestamp=at(secs), event_id=f"lv{secs}", service="mes", user_name="ivanova",
        filter={"status": "open"}, fetch_duration_ms=ms, rows=12,
    )  # fmt: skip


def test_brute_force_by_ip(store: DuckDBStore) -> None:
    """11 failed shop logins from one address in 5 minutes fire; 10 from another do not."""
    write(store, [api(3300 + i, "shop-api", 401, route="/api/auth/login", ip="10.1.1.1")
                  for i in range(11)]
                 + [api(3300 + i, "shop-api", 401, route="/api/auth/login", ip="10.1.1.2")
                    for i in range(10)])  # fmt: skip
    assert [f.group for f in evaluate(rule("brute-force-by-ip"), store, END)] == ["10.1.1.1"]


def test_brute_force_by_user(store: DuckDBStore) -> None:
    """6 failed CRM logins (403 counts too) for one seller fire; 5 do not."""
    events = [
        api(3300 + i, "crm-api", 403, route="/api/auth/login", user="petrova") for i in range(6)
    ]
    events += [api(3300 + i, "crm-api", 401, route="/api/auth/login", user="sidorov")
               for i in range(5)]  # fmt: skip
    write(store, events)
    assert [f.group for f in evaluate(rule("brute-force-by-user"), store, END)] == ["petrova"]


def test_api_error_rate_per_system(store: DuckDBStore) -> None:
    """mes-api with 10 of 60 requests failing (16.7%) fires; crm-api at 2 of 60 does not."""
    events = [api(3400 + i, "mes-api", 502 if i < 10 else 200) for i in range(60)]
    events += [api(3400 + i, "crm-api", 500 if i < 2 else 200) for i in range(60)]
    write(store, events)
    [finding] = evaluate(rule("api-error-rate"), store, END)
    assert (finding.group, finding.value) == ("mes-api", 0.166667)


def test_mes_order_list_slow(store: DuckDBStore) -> None:
    """Order lists that take 3 s for 2 of 20 views: p95 (between the 19th and 20th value,
    both 3000) is 3000 ms, over 1000 ms: fires."""
    write(store, [listed(2800 + 30 * i, 3000.0 if i < 2 else 120.0) for i in range(20)])
    [finding] = evaluate(rule("mes-order-list-slow"), store, END)
    assert (finding.value, finding.threshold) == (3000.0, 1000.0)


def test_mes_order_list_slow_is_quiet_for_one_slow_view(store: DuckDBStore) -> None:
    """1 view of 20 at 3 s: p95 is 120 + 0.05 x 2880 = 264 ms, under 1000 ms: quiet."""
    write(store, [listed(2800 + 30 * i, 3000.0 if i < 1 else 120.0) for i in range(20)])
    assert evaluate(rule("mes-order-list-slow"), store, END) == []


def test_mes_order_list_slow_needs_min_count(store: DuckDBStore) -> None:
    """19 views, all at 3 s: fewer than min_count = 20, so nothing fires."""
    write(store, [listed(2800 + 30 * i, 3000.0) for i in range(19)])
    assert evaluate(rule("mes-order-list-slow"), store, END) == []


def test_mes_order_calculation_regression(store: DuckDBStore) -> None:
    """Calculations at 850 ms for hours, then 2125 ms (x2.5 after a release) fire."""
    write(store, [calc(-18000 + 300 * i, 850.0) for i in range(66)]
                 + [calc(1900 + 60 * i, 2125.0) for i in range(20)])  # fmt: skip
    [finding] = evaluate(rule("mes-order-calculation-regression"), store, END)
    assert (finding.value, finding.threshold) == (2125.0, 1275.0)


def test_crm_api_queue_silence(store: DuckDBStore) -> None:
    """Orders arrived through the queue until 40 minutes ago, then none for 15 minutes:
    fires; with an order 5 minutes ago it does not."""
    write(store, [received(600 + 60 * i) for i in range(20)])  # the last one at 1740 s
    assert [f.group for f in evaluate(rule("crm-api-queue-silent"), store, END)] == ["crm-api"]
    write(store, [received(3300)])
    assert evaluate(rule("crm-api-queue-silent"), store, END) == []


def test_crm_api_queue_silence_is_quiet_without_crm_traffic(store: DuckDBStore) -> None:
    """An install that never had CRM orders does not alert on their absence."""
    write(store, [api(3500, "mes-api")])
    assert evaluate(rule("crm-api-queue-silent"), store, END) == []


def test_mes_order_calculation_regression_is_quiet_under_1_5x(store: DuckDBStore) -> None:
    """Calculations at 850 ms for hours, then 1200 ms (x1.41, under the 1275 ms that 1.5x
    the baseline p95 allows): quiet."""
    write(store, [calc(-18000 + 300 * i, 850.0) for i in range(66)]
                 + [calc(1900 + 60 * i, 1200.0) for i in range(20)])  # fmt: skip
    assert evaluate(rule("mes-order-calculation-regression"), store, END) == []


def test_error_spike(store: DuckDBStore) -> None:
    """mes-api logged 1 error per 5 minutes for the hour before, then 30 in the window:
    30 > 3 x 1 fires; shop-api kept its pace (25 per 5 minutes) and stays quiet."""
    before = [error(300 + 300 * i, "mes-api", "E", "x") for i in range(10)]
    before += [error(300 + 12 * i, "shop-api", "E", "y") for i in range(250)]
    now = [error(3300 + i, "mes-api", "E", "x") for i in range(30)]
    now += [error(3300 + 12 * i, "shop-api", "E", "y") for i in range(25)]
    write(store, before + now)
    [finding] = evaluate(rule("error-spike"), store, END)
    assert (finding.group, finding.value) == ("mes-api", 30)


def test_error_spike_needs_min_count(store: DuckDBStore) -> None:
    """19 errors in a window after an hour without any: under min_count = 20, quiet."""
    write(store, [error(3300 + i, "mes-api", "E", "x") for i in range(19)])
    assert evaluate(rule("error-spike"), store, END) == []


def _shop_requests(short_bad: int, long_bad: int) -> list[Any]:
    """50 shop-api requests in the last 5 minutes (``short_bad`` of them 5xx) and 150 in
    the 55 minutes before (``long_bad`` of them 5xx)."""
    events = [api(3300 + 5 * i, "shop-api", 503 if i < short_bad else 200) for i in range(50)]
    events += [api(300 + 20 * i, "shop-api", 503 if i < long_bad else 200) for i in range(150)]
    return events


def test_shop_api_availability_burn(store: DuckDBStore) -> None:
    """20% bad over the last hour and the last 5 minutes against a 1% budget is a 20x burn,
    over 14.4x (1h/5m) and 6x (6h/30m): fires, at 20/6 = 3.3333 times the strongest limit."""
    write(store, _shop_requests(short_bad=10, long_bad=30))
    [finding] = evaluate(rule("shop-api-availability-burn"), store, END)
    assert (finding.group, finding.value) == ("", 3.3333)


def test_shop_api_availability_burn_ignores_a_short_blip(store: DuckDBStore) -> None:
    """10 bad of 50 in the last 5 minutes, none before: the hour burns only 5x: quiet."""
    write(store, _shop_requests(short_bad=10, long_bad=0))
    assert evaluate(rule("shop-api-availability-burn"), store, END) == []


def test_new_error_signature(store: DuckDBStore, tmp_path: Path) -> None:
    """Through the service (which learns the day before the first window): a slicer error
    seen 14 hours ago with another order number stays quiet; a MemoryError never seen
    before is one alert."""
    write(store, [
        error(-50000, "mes", "GCodeError", "slicer failed for order ORD-1: non-manifold mesh"),
        error(3400, "mes", "GCodeError", "slicer failed for order ORD-77: non-manifold mesh"),
        error(3500, "mes-api", "MemoryError", "worker killed: rss 3.9 GiB"),
    ])  # fmt: skip
    svc = AlertService(RULES, store, AlertState(tmp_path / "a.db"), notifiers={})
    try:
        svc.run_cycle(at(3660))  # evaluates the windows ending at 3600
        alerts = svc.state.alerts(rule="new-error-signature")
    finally:
        svc.stop()
        svc.state.close()
    assert [(a["status"], a["summary"]) for a in alerts] == [
        ("fired", "new error in mes-api: MemoryError: worker killed: rss <n> GiB")
    ]


def test_fatal(store: DuckDBStore) -> None:
    """A FATAL in the last minute is a finding; an ERROR beside it is not."""
    failure = fatal(3570, "mes", "printer-07 halted")
    write(store, [failure, error(3580, "mes", "E", "not fatal")])
    assert [f.group for f in evaluate(rule("fatal"), store, END)] == [failure.event_id]


def test_fatal_is_quiet_without_a_fatal_in_the_window(store: DuckDBStore) -> None:
    """A FATAL two minutes ago (outside the 1-minute window) and ERRORs now: quiet."""
    write(store, [fatal(3480), error(3570, "mes", "E", "x"), error(3580, "mes", "E", "y")])
    assert evaluate(rule("fatal"), store, END) == []
