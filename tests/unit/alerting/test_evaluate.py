"""Each rule type over hand-built events in a real DuckDB store, one window at a time.

Windows are half-open ``[end - window, end)`` in event time; ``END`` is T0 + 10 min, so a
5-minute window covers seconds 300 (included) to 600 (excluded).
"""

from __future__ import annotations

from logyard.alerting import Finding, evaluate, rules_from_dict
from logyard.store.duckdb import DuckDBStore

from ._world import api, at, calc, error, fatal, received, write

END = at(600)


def rule(**spec: object) -> object:
    return rules_from_dict({"rules": [{"name": "r", **spec}]}).rules[0]


def failed_login(secs: float, ip: str) -> object:
    return api(secs, "shop-api", 401, route="/api/auth/login", ip=ip)


def test_threshold_counts_per_group_inside_the_window_only(store: DuckDBStore) -> None:
    """11 failed logins from one IP in the window fire (above 10); 10 from another do not;
    events at the window's end or before its start do not count."""
    inside = [failed_login(300 + i, "10.0.0.1") for i in range(11)]
    inside += [failed_login(400 + i, "10.0.0.2") for i in range(10)]
    outside = [failed_login(600, "10.0.0.2"), failed_login(299, "10.0.0.2")]
    write(store, inside + outside)
    r = rule(type="threshold", query="http.response.status_code:401", group_by="client.ip",
             above=10)  # fmt: skip
    assert evaluate(r, store, END) == [
        Finding("10.0.0.1", 11, 10, "11 events in 5m for 10.0.0.1 (more than 10)")
    ]


def test_threshold_below_fires_on_too_few_events(store: DuckDBStore) -> None:
    """Two orders received where at least three are expected: fires with the count."""
    write(store, [received(310), received(320)])
    r = rule(type="threshold", query="event.action:order.received", below=3)
    assert evaluate(r, store, END) == [Finding("", 2, 3, "2 events in 5m (fewer than 3)")]


def test_ratio_is_per_group_and_needs_min_count(store: DuckDBStore) -> None:
    """mes-api: 6 of 100 requests are 5xx (6% > 5%) → fires; shop-api 2 of 100 → quiet;
    crm-api 5 of 10 → under min_count 20 → quiet."""
    events = [api(300 + i, "mes-api", 500 if i < 6 else 200) for i in range(100)]
    events += [api(300 + i, "shop-api", 503 if i < 2 else 200) for i in range(100)]
    events += [api(300 + i, "crm-api", 500 if i < 5 else 200) for i in range(10)]
    write(store, events)
    r = rule(
        type="ratio",
        query="event.action:api.request",
        numerator="http.response.status_code >= 500",
        above=0.05,
        group_by="service.name",
    )
    assert evaluate(r, store, END) == [
        Finding(
            "mes-api",
            0.06,
            0.05,
            "6.0% of 100 events for mes-api match 'http.response.status_code >= 500' (limit 5.0%)",
        )
    ]


def test_latency_percentile_above_a_limit(store: DuckDBStore) -> None:
    """p95 of 18 x 100 ms and 2 x 5000 ms is 5000 ms (over 1000); all-100 ms stays quiet."""
    write(store, [calc(300 + i, 5000.0 if i < 2 else 100.0) for i in range(20)])
    r = rule(type="latency", query="event.action:order.calculated",
             field="order.calculation_duration_ms", percentile=95, above=1000)  # fmt: skip
    [finding] = evaluate(r, store, END)
    assert (finding.group, finding.value, finding.threshold) == ("", 5000.0, 1000.0)


def test_latency_under_the_limit_is_quiet(store: DuckDBStore) -> None:
    """Every calculation at 100 ms: p95 100 ms, under 1000 ms: nothing fires."""
    write(store, [calc(300 + i, 100.0) for i in range(20)])
    r = rule(type="latency", query="event.action:order.calculated",
             field="order.calculation_duration_ms", above=1000)  # fmt: skip
    assert evaluate(r, store, END) == []


def test_latency_regression_against_the_baseline(store: DuckDBStore) -> None:
    """Calculations took 800 ms in the hour before and 2000 ms now: 2.5x > 1.5x fires,
    with the limit 1.5 x 800 = 1200."""
    before = [calc(-3000 + 60 * i, 800.0) for i in range(50)]
    now = [calc(300 + 10 * i, 2000.0) for i in range(20)]
    write(store, before + now)
    r = rule(type="latency", query="event.action:order.calculated",
             field="order.calculation_duration_ms", over_baseline=1.5, baseline="1h")  # fmt: skip
    [finding] = evaluate(r, store, END)
    assert (finding.value, finding.threshold) == (2000.0, 1200.0)


def test_absence_of_a_group_seen_in_the_lookback(store: DuckDBStore) -> None:
    """crm-api received orders in the hour before but none in the window: it fires;
    the ungrouped rule for mes-api (events present) does not."""
    write(store, [received(-600), received(100), api(400, "mes-api")])
    grouped = rule(type="absence", query="event.action:order.received", group_by="service.name")
    assert evaluate(grouped, store, END) == [
        Finding(
            "crm-api",
            0,
            1,
            "service.name=crm-api sent no events of 'event.action:order.received' in 5m",
        )
    ]
    plain = rule(type="absence", query="service.name:mes-api")
    assert evaluate(plain, store, END) == []


def test_absence_of_named_groups(store: DuckDBStore) -> None:
    """With explicit groups, each one without events fires, even never seen before."""
    write(store, [api(400, "mes-api")])
    r = rule(type="absence", query="event.action:api.request", group_by="service.name",
             groups=["mes-api", "crm-api"])  # fmt: skip
    assert [f.group for f in evaluate(r, store, END)] == ["crm-api"]


def test_spike_against_the_average_window_of_the_baseline(store: DuckDBStore) -> None:
    """mes-api logged 1 error per 5 minutes for an hour, then 30 in the window: 30 > 3 x 1
    fires; shop-api kept its pace (12 per window) and stays quiet."""
    before = [error(-3300 + 300 * i, "mes-api", "E", "x") for i in range(12)]
    before += [error(-3300 + 25 * i, "shop-api", "E", "y") for i in range(144)]
    now = [error(300 + i, "mes-api", "E", "x") for i in range(30)]
    now += [error(300 + 20 * i, "shop-api", "E", "y") for i in range(12)]
    write(store, before + now)
    r = rule(type="spike", query="log.level:ERROR", group_by="service.name", factor=3,
             baseline="1h", min_count=10)  # fmt: skip
    assert evaluate(r, store, END) == [
        Finding(
            "mes-api", 30, 3.0, "30 events in 5m for mes-api: 30.0x the usual 1.0 of the last 1h"
        )
    ]


def _burn_events(short_bad: int, long_bad: int) -> list[object]:
    """50 requests in the last 5 minutes (``short_bad`` of them 5xx) and 150 in the 55
    minutes before (``long_bad`` of them 5xx)."""
    events = [api(300 + 5 * i, "shop-api", 503 if i < short_bad else 200) for i in range(50)]
    events += [api(-2700 + 20 * i, "shop-api", 503 if i < long_bad else 200) for i in range(150)]
    return events


def test_slo_burn_fires_when_long_and_short_windows_burn(store: DuckDBStore) -> None:
    """20% bad over both 1h and 5m against a 1% budget is a 20x burn: over 14.4x (1h/5m)
    and 6x (6h/30m); the finding reports the strongest pair, 20/6 = 3.3333 times its limit."""
    write(store, _burn_events(short_bad=10, long_bad=30))
    r = rule(type="slo_burn", query="service.name:shop-api", objective=0.99,
             bad="http.response.status_code >= 500")  # fmt: skip
    [finding] = evaluate(r, store, END)
    assert (finding.group, finding.value) == ("", 3.3333)


def test_slo_burn_ignores_a_short_blip(store: DuckDBStore) -> None:
    """10 bad of 50 in the last 5 minutes but none before: the short window burns 20x,
    the long one only 10/200 = 5% → 5x, under 14.4x and 6x: nothing fires."""
    write(store, _burn_events(short_bad=10, long_bad=0))
    r = rule(type="slo_burn", query="service.name:shop-api", objective=0.99,
             bad="http.response.status_code >= 500")  # fmt: skip
    assert evaluate(r, store, END) == []


def test_fatal_gives_one_finding_per_event(store: DuckDBStore) -> None:
    """Two FATAL events in the window are two findings named by event id; an ERROR is not."""
    first, second = fatal(310, "mes", "printer-07 halted"), fatal(320, "crm-api", "db lost")
    write(store, [first, second, error(330, "mes", "E", "not fatal")])
    r = rule(type="fatal", window="5m")
    assert [(f.group, f.summary) for f in evaluate(r, store, END)] == [
        (first.event_id, f"FATAL in mes at {at(310).isoformat().replace('+00:00', 'Z')}: "
                         "printer-07 halted"),
        (second.event_id, f"FATAL in crm-api at {at(320).isoformat().replace('+00:00', 'Z')}: "
                          "db lost"),
    ]  # fmt: skip


def test_new_signature_findings_normalize_the_message(store: DuckDBStore) -> None:
    """Timeouts with different numbers are one signature; another type is another."""
    write(store, [
        error(310, "shop-api", "TimeoutError", "upstream 10.0.0.7 did not answer in 10000 ms"),
        error(320, "shop-api", "TimeoutError", "upstream 10.0.0.9 did not answer in 5000 ms"),
        error(330, "crm", "ValidationError", "phone '+7 999' does not match"),
    ])  # fmt: skip
    r = rule(type="new_signature", query="event.action:error")
    assert [f.summary for f in evaluate(r, store, END)] == [
        "new error in shop-api: TimeoutError: upstream <n> did not answer in <n> ms",
        "new error in crm: ValidationError: phone <str> does not match",
    ]
