"""APIs, MES timings, faults and operations look like the real thing."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from typing import Any

from logyard.catalog import Event


def _of(hour: list[Event], action: str) -> list[Any]:
    return [e for e in hour if action == e.ACTION]


def test_api_statuses_are_mostly_2xx_with_some_4xx_and_5xx(hour: list[Event]) -> None:
    """APIs answer mostly 2xx; 4xx and 5xx are present and rare."""
    statuses = [e.status_code for e in _of(hour, "api.request")]
    share = {k: sum(1 for s in statuses if s // 100 == k) / len(statuses) for k in (2, 4, 5)}
    assert share[2] > 0.9
    assert 0 < share[4] < 0.08
    assert 0 < share[5] < 0.05


def test_api_latency_is_lognormal_around_tens_of_ms(hour: list[Event]) -> None:
    """API latency has a median of tens of milliseconds and a long tail."""
    durations = [e.duration_ms for e in _of(hour, "api.request")]
    assert 20 < statistics.median(durations) < 80
    assert max(durations) > 500


def test_retries_follow_a_5xx_on_the_same_trace(hour: list[Event]) -> None:
    """A request with `retry_attempt > 0` comes after a 5xx attempt of the same call."""
    by_trace: dict[str, list[Any]] = defaultdict(list)
    for e in _of(hour, "api.request"):
        by_trace[e.trace_id].append(e)
    retries = 0
    for calls in by_trace.values():
        for before, after in itertools.pairwise(calls):
            if after.retry_attempt > 0:
                retries += 1
                assert before.status_code >= 500
                assert after.retry_attempt == before.retry_attempt + 1
                assert (before.route, before.method) == (after.route, after.method)
    assert retries > 0


def test_order_list_fetch_is_usually_fast_and_sometimes_slow(hour: list[Event]) -> None:
    """MES order lists load in 50-300 ms typically, some take seconds; filters are recorded."""
    views = _of(hour, "order.list_viewed")
    fetches = [e.fetch_duration_ms for e in views]
    assert 50 < statistics.median(fetches) < 300
    assert any(f > 1_000 for f in fetches)
    assert all({"status", "operator", "date_from", "date_to"} <= set(e.filter) for e in views)


def test_order_calculation_durations_vary(hour: list[Event]) -> None:
    """Order calculations take around a second, with a lognormal spread."""
    calcs = [e.calculation_duration_ms for e in _of(hour, "order.calculated")]
    assert 300 < statistics.median(calcs) < 3_000
    assert max(calcs) > 3 * statistics.median(calcs)


def test_failures_are_fatal_hardware_on_mes_or_software(hour: list[Event]) -> None:
    """`service.failure` is FATAL; printers fail as hardware on MES, services as software."""
    failures = _of(hour, "service.failure")
    assert failures
    assert all(e.level == "FATAL" for e in failures)
    assert all(e.service == "mes" for e in failures if e.kind == "hardware")


def test_errors_carry_type_message_and_stack_trace(hour: list[Event]) -> None:
    """ERROR events name the exception, its message and a traceback."""
    errors = _of(hour, "error")
    assert errors
    assert all(e.level == "ERROR" for e in errors)
    assert all(e.error_type and e.error_message for e in errors)
    assert all(e.stack_trace.startswith("Traceback (most recent call last):") for e in errors)


def test_warnings_carry_condition_threshold_and_value(hour: list[Event]) -> None:
    """WARN events say what is close to its limit, the limit and the value."""
    warnings = _of(hour, "warning")
    assert warnings
    assert all(e.level == "WARN" for e in warnings)
    assert all(e.condition and e.threshold > 0 and e.value > 0 for e in warnings)


def test_every_restart_stops_then_starts_the_same_service(hour: list[Event]) -> None:
    """Each `service.stopped` is followed by a `service.started` of the same host."""
    pending: dict[tuple[str, str | None], Any] = {}
    for e in hour:
        if e.ACTION == "service.stopped":
            pending[(e.service, e.host)] = e
        elif e.ACTION == "service.started":
            stopped = pending.pop((e.service, e.host))
            assert stopped.timestamp < e.timestamp
    assert len(_of(hour, "service.started")) > 0


def test_deploys_report_version_and_an_earlier_commit(hour: list[Event]) -> None:
    """`deploy.finished` has a semantic version and a commit made before the deploy."""
    deploys = _of(hour, "deploy.finished")
    assert deploys
    for e in deploys:
        assert e.version.count(".") == 2
        assert e.commit_time < e.timestamp


def test_csat_scores_are_skewed_positive(hour: list[Event]) -> None:
    """Feedback uses the whole 1-5 scale, mostly 4s and 5s, on internet-shop and crm."""
    feedback = _of(hour, "feedback.submitted")
    scores = [e.score for e in feedback]
    assert set(scores) == {1, 2, 3, 4, 5}
    assert statistics.mean(scores) > 3.8
    assert {e.service for e in feedback} == {"internet-shop", "crm"}


def test_people_log_in_on_every_system_with_people(hour: list[Event]) -> None:
    """Customers, sellers, operators and API clients log in where they work."""
    systems = {e.service for e in _of(hour, "user.logged_in")}
    assert systems == {"internet-shop", "crm", "mes", "mes-api"}
