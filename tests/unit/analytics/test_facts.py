"""The analytic schema: facts equal what the raw events say, replays and late events."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.analytics import _reference as ref
from tests.unit.analytics.conftest import SimWorld

import logyard.analytics
from logyard.analytics import Analyzer, DuckDBAnalyticsSink, FactBatch, StoredEvent
from logyard.analytics._branch import stored_event
from logyard.analytics.metrics import METRICS, compute
from logyard.catalog import (
    ApiRequest,
    Event,
    OrderChanged,
    OrderCreated,
    UserLoggedIn,
    UserLoggedOut,
    encode_event,
)
from logyard.errors import QueryError
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)
TABLES = ("orders", "order_events", "requests", "session_events", "sessions",
          "activity_daily", "ops_events", "feedback", "cursor")  # fmt: skip


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def eid() -> str:
    return f"evt-{next(_ids):06d}"


def login(minutes: float, user: str = "anna", system: Any = "crm") -> UserLoggedIn:
    return UserLoggedIn(timestamp=at(minutes), event_id=eid(), service=system, user_name=user)


def logout(minutes: float, user: str = "anna", system: Any = "crm") -> UserLoggedOut:
    return UserLoggedOut(timestamp=at(minutes), event_id=eid(), service=system, user_name=user)


def created(minutes: float, order: str = "ORD-1") -> OrderCreated:
    return OrderCreated(
        timestamp=at(minutes), event_id=eid(), service="crm", user_name="anna",
        order_id=order, params={"sku": "X"},
    )  # fmt: skip


def changed(minutes: float, status: str, order: str = "ORD-1") -> OrderChanged:
    return OrderChanged(
        timestamp=at(minutes), event_id=eid(), service="crm", user_name="anna",
        order_id=order, old={}, new={"status": status},
    )  # fmt: skip


@pytest.fixture
def store() -> Iterator[DuckDBStore]:
    s = DuckDBStore(None)
    yield s
    s.close()


def put(store: DuckDBStore, *events: Event) -> Analyzer:
    store.write(WriteBatch(events=list(events)))
    analyzer = Analyzer(store)
    analyzer.catch_up()
    return analyzer


def dump(store: DuckDBStore) -> dict[str, list[tuple[Any, ...]]]:
    with store.connection() as cur:
        return {t: sorted(cur.execute(f"SELECT * FROM analytics.{t}").fetchall(), key=repr)
                for t in TABLES}  # fmt: skip


def rows(store: DuckDBStore, sql: str) -> list[tuple[Any, ...]]:
    with store.connection() as cur:
        return cur.execute(sql).fetchall()


# -- facts on simulator data ------------------------------------------------------------------
def test_orders_match_the_events(sim_world: SimWorld) -> None:
    """One row per order: created at/by, channel and first 'printed' time as the events say."""
    expected = {
        order: (
            ref.naive(o["created_at"]) if "created_at" in o else None,
            o.get("by"),
            o.get("channel"),
            ref.naive(o["printed_at"]) if "printed_at" in o else None,
        )
        for order, o in ref.orders(sim_world.events).items()
    }
    actual = {
        r[0]: r[1:]
        for r in rows(
            sim_world.store,
            "SELECT order_id, created_at, created_by, channel, printed_at FROM analytics.orders",
        )
    }
    with_journey = {e.order_id for e in sim_world.events if hasattr(e, "order_id")}
    assert (len(with_journey), expected) == (len(actual), {k: actual[k] for k in expected})


def test_order_changes_keep_every_change(sim_world: SimWorld) -> None:
    """order_changes: one row per order.changed, with that event's old and new values."""
    expected = sorted(
        (e.event_id, e.old, e.new) for e in sim_world.events if isinstance(e, OrderChanged)
    )
    got = rows(sim_world.store, "SELECT event_id, old, new FROM analytics.order_changes")
    actual = sorted((str(i), json.loads(old), json.loads(new)) for i, old, new in got)
    assert expected, "the simulated traffic has no order.changed, the test proves nothing"
    assert expected == actual


def test_sessions_match_the_events(sim_world: SimWorld) -> None:
    """sessions: each login paired with its logout (or none), as the reference pairs them."""
    expected = sorted(
        (s.system, s.user, ref.naive(s.login), s.logout and ref.naive(s.logout), ref.naive(s.until))
        for s in ref.sessions(sim_world.events)
    )
    actual = sorted(
        rows(
            sim_world.store,
            "SELECT system, user_name, login_at, logout_at, open_until FROM analytics.sessions",
        )
    )
    assert expected == actual


def test_activity_daily_matches_the_events(sim_world: SimWorld) -> None:
    """activity_daily: the (system, user, day) triples that have events."""
    expected = ref.activity(sim_world.events)
    actual = set(
        rows(sim_world.store, "SELECT system, user_name, day FROM analytics.activity_daily")
    )
    assert expected == actual


def test_requests_one_row_per_event(sim_world: SimWorld) -> None:
    """requests: every api.request with its route, status, duration and retry attempt."""
    expected = sorted(
        (e.event_id, e.service, e.route, e.status_code, e.duration_ms, e.retry_attempt)
        for e in sim_world.events
        if isinstance(e, ApiRequest)
    )
    actual = sorted(
        rows(
            sim_world.store,
            "SELECT event_id, system, route, status, duration_ms, retry_attempt "
            "FROM analytics.requests",
        )
    )
    assert expected == actual


def test_incremental_equals_rebuild(sim_world: SimWorld) -> None:
    """Facts folded in 7k-event runs equal a rebuild from scratch in one run."""
    before = dump(sim_world.store)
    Analyzer(sim_world.store, batch_size=1_000_000).rebuild()
    assert before == dump(sim_world.store)


# -- hand-built edge cases --------------------------------------------------------------------
def test_session_without_logout(store: DuckDBStore) -> None:
    """A login without a logout: no logout or duration; open 30 minutes, or until the next
    login of the same user when that comes first."""
    put(store, login(0), login(10), logout(15), login(60, user="boris"))
    got = rows(
        store,
        "SELECT user_name, login_at, logout_at, duration_ms, open_until FROM analytics.sessions "
        "ORDER BY login_at",
    )
    naive = ref.naive
    assert [
        ("anna", naive(at(0)), None, None, naive(at(10))),
        ("anna", naive(at(10)), naive(at(15)), 300_000.0, naive(at(15))),
        ("boris", naive(at(60)), None, None, naive(at(90))),
    ] == got


def test_concurrent_sessions_hand_built(store: DuckDBStore) -> None:
    """Peak concurrent sessions: two overlapping sessions, a third after both ended."""
    put(store, login(0), login(5, user="boris"), logout(8), logout(9, user="boris"),
        login(20, user="vera"))  # fmt: skip
    with store.connection() as cur:
        result = compute(cur, "connections", time_from=at(0), time_to=at(60)).to_json()
    assert (result["value"], result["count"]) == (2.0, 3)


def test_replay_changes_nothing(store: DuckDBStore) -> None:
    """The same events written again, and the same facts applied again, change nothing."""
    events = [created(0), changed(2, "confirmed"), login(0), logout(3)]
    put(store, *events)
    before = dump(store)
    put(store, *events)  # the store keeps one copy; nothing new to fold in
    batch = FactBatch()
    for e in events:
        batch.add(stored_event(encode_event(e)))
    assert (len(batch), batch.skipped) == (len(events), {})
    assert [len(batch.rows[t]) for t in ("order_events", "session_events")] == [2, 2]
    DuckDBAnalyticsSink(store.connection).apply(batch, {})  # the facts themselves, again
    assert before == dump(store)


def test_late_events_land_by_event_time(store: DuckDBStore) -> None:
    """A change that arrives late but happened earlier does not override a newer status;
    a late logout closes the session it belongs to."""
    put(store, created(0), changed(5, "printing"), login(0))
    put(store, changed(3, "confirmed"), logout(2))  # stored later, happened earlier
    got = rows(store, "SELECT status, changes FROM analytics.orders")
    sessions = rows(store, "SELECT logout_at FROM analytics.sessions")
    assert ([("printing", 2)], [(ref.naive(at(2)),)]) == (got, sessions)


def test_late_event_with_newest_status_wins(store: DuckDBStore) -> None:
    """A late change that is the newest by event time sets the status."""
    put(store, created(0), changed(5, "printing"))
    put(store, changed(9, "printed"))
    assert [("printed", ref.naive(at(9)))] == rows(
        store, "SELECT status, printed_at FROM analytics.orders"
    )


def test_bad_document_is_skipped_with_its_reason() -> None:
    """An api.request document without a status is skipped (counted by reason); the other
    events of the batch still become facts."""
    batch = FactBatch()
    ts = ref.naive(T0)
    batch.add(StoredEvent(1, ts, "a", "api.request", "shop-api", None, None, None, None,
                          '{"http.duration_ms": 5}'))  # fmt: skip
    batch.add(StoredEvent(2, ts, "b", "user.logged_in", "crm", None, "anna", None, None, None))
    assert (batch.skipped, len(batch.rows["session_events"]), len(batch.rows["requests"])) == (
        {"api.request: http.response.status_code and http.duration_ms are required": 1},
        1,
        0,
    )


def test_every_metric_over_an_empty_range(store: DuckDBStore) -> None:
    """Over a window with no events each metric answers value null and empty true."""
    put(store, created(0), login(0), logout(5))
    far = datetime(2030, 1, 1, tzinfo=UTC)
    with store.connection() as cur:
        answers = {
            name: compute(cur, name, time_from=far, time_to=far + timedelta(days=1)).to_json()
            for name in METRICS
        }
    assert dict.fromkeys(METRICS, (None, True)) == {
        n: (a["value"], a["empty"]) for n, a in answers.items()
    }
    assert all(a["reason"] for a in answers.values())


def test_unknown_metric_and_reversed_window(store: DuckDBStore) -> None:
    """An unknown metric name and a window that ends before it starts are QueryErrors that
    say what to do."""
    put(store, login(0))
    with store.connection() as cur:
        with pytest.raises(QueryError, match="unknown metric 'nope'; use one of availability"):
            compute(cur, "nope")
        with pytest.raises(QueryError, match="is not after from"):
            compute(cur, "dau", time_from=at(10), time_to=at(0))


def test_public_surface() -> None:
    """logyard.analytics exports exactly the names we mean (in ruff's order), all real."""
    assert all(hasattr(logyard.analytics, name) for name in logyard.analytics.__all__)
    assert logyard.analytics.__all__ == [
        "NORMALIZED_ACTIONS", "SCHEMA", "SESSION_TIMEOUT_MINUTES", "AnalyticsSink", "Analyzer",
        "DuckDBAnalyticsSink", "Fact", "FactBatch", "NormalizeError", "OpenSearchAnalyticsSink",
        "RunStats", "StoredEvent", "normalize",
    ]  # fmt: skip


_STORY: list[Event] = [
    created(0), changed(1, "confirmed"), changed(4, "printing"), changed(9, "printed"),
    created(2, order="ORD-2"), changed(3, "confirmed", order="ORD-2"),
    login(0), logout(6), login(7), login(8, user="boris"), logout(20, user="boris"),
    login(30),
]  # fmt: skip


def _facts_of(batches: list[list[Event]]) -> dict[str, list[tuple[Any, ...]]]:
    s = DuckDBStore(None)
    try:
        for batch in batches:
            put(s, *batch)
        facts = dump(s)
        facts.pop("cursor")  # positions depend on the arrival order, the facts do not
        return facts
    finally:
        s.close()


@settings(max_examples=10, deadline=None)
@given(order=st.permutations(range(len(_STORY))), cuts=st.sets(st.integers(1, len(_STORY) - 1)))
def test_facts_do_not_depend_on_arrival_order(order: list[int], cuts: set[int]) -> None:
    """Whatever order and batches the events arrive in (late ones included), the facts are
    those of all events folded in at once."""
    arrived = [_STORY[i] for i in order]
    bounds = [0, *sorted(cuts), len(arrived)]
    batches = [arrived[a:b] for a, b in itertools.pairwise(bounds)]
    assert _facts_of([_STORY]) == _facts_of(batches)
