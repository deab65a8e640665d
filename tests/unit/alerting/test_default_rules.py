"""The shipped default rules on hand-built events of the catalogue (what the simulator and
the six systems log): each pain point fires on its symptom and stays quiet without it."""

from __future__ import annotations

from typing import Any

from logyard.alerting import DEFAULT_RULES, evaluate, load_rules
from logyard.catalog import OrderListViewed
from logyard.store.duckdb import DuckDBStore

from ._world import api, at, calc, received, write

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
