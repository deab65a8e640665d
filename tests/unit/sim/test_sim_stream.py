"""The event stream: valid, ordered, deterministic, complete, at the requested rate."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import islice

from logyard.catalog import CATALOG, SYSTEMS, Event, EventCodec, encode_event
from logyard.sim import Simulator


def _first(sim: Simulator, count: int) -> list[bytes]:
    return [encode_event(e) for e in islice(sim.events(3600), count)]


def test_twenty_thousand_events_validate(start: datetime) -> None:
    """20k events at the default rate all pass the catalogue codec (system, fields, types)."""
    codec = EventCodec(now=lambda: start + timedelta(days=1))
    failures = []
    for event in islice(Simulator(seed=11, start=start).events(3600), 20_000):
        try:
            codec.validate(event)
        except Exception as exc:
            failures.append(f"{event.ACTION}: {exc}")
    assert failures == []


def test_timestamps_are_ordered_and_inside_the_window(hour: list[Event], start: datetime) -> None:
    """Events come in non-decreasing timestamp order, all within [start, start + 1 h)."""
    stamps = [e.timestamp for e in hour]
    assert stamps == sorted(stamps)
    assert stamps[0] >= start
    assert stamps[-1] < start + timedelta(hours=1)


def test_timestamps_are_utc_milliseconds(hour: list[Event]) -> None:
    """Every timestamp is UTC with whole milliseconds, as the store keeps them."""
    assert all(e.timestamp.tzinfo is UTC and e.timestamp.microsecond % 1000 == 0 for e in hour)


def test_same_seed_gives_the_same_events(start: datetime) -> None:
    """Same seed and start: byte-identical encoded events, ids included."""
    a = _first(Simulator(seed=3, start=start), 5_000)
    b = _first(Simulator(seed=3, start=start), 5_000)
    assert a == b


def test_events_restarts_from_the_seed(start: datetime) -> None:
    """Calling `events()` twice on one simulator replays the same world."""
    sim = Simulator(seed=3, start=start)
    assert _first(sim, 2_000) == _first(sim, 2_000)


def test_different_seeds_give_different_events(start: datetime) -> None:
    """Another seed gives another sequence."""
    a = _first(Simulator(seed=3, start=start), 2_000)
    b = _first(Simulator(seed=4, start=start), 2_000)
    assert len(set(a) & set(b)) == 0


def test_event_ids_are_unique_uuid7_of_their_timestamp(hour: list[Event]) -> None:
    """Ids are RFC 9562 UUIDv7 whose 48-bit time is the event's millisecond; no repeats."""
    ids = [e.event_id for e in hour]
    assert len(set(ids)) == len(ids)
    for event in hour[:: max(1, len(hour) // 5000)]:
        parsed = uuid.UUID(event.event_id)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
        assert parsed.int >> 80 == int(event.timestamp.timestamp() * 1000 + 0.5)


def test_every_catalogue_action_appears_in_an_hour(hour: list[Event]) -> None:
    """One simulated hour holds every one of the catalogue's actions."""
    assert {e.ACTION for e in hour} == set(CATALOG)


def test_every_system_appears_and_the_web_shop_leads(hour: list[Event]) -> None:
    """All six systems emit; internet-shop emits the most."""
    counts = Counter(e.service for e in hour)
    assert set(counts) == set(SYSTEMS)
    assert counts.most_common(1)[0][0] == "internet-shop"


def test_each_system_emits_only_its_catalogue_events(hour: list[Event]) -> None:
    """No event comes from a system the catalogue does not list for it."""
    wrong = {(e.ACTION, e.service) for e in hour if e.service not in CATALOG[e.ACTION].systems}
    assert wrong == set()


def test_rate_is_the_requested_rate(hour: list[Event]) -> None:
    """An hour at 40 events/s (the fixture's rate) holds 144k events, within 10%."""
    assert abs(len(hour) / 3600 - 40.0) / 40.0 < 0.10


def test_weights_move_the_traffic(start: datetime) -> None:
    """With only operators weighted, the traffic is MES order lists and sign-ins."""
    sim = Simulator(seed=2, rate=20.0, start=start, weights={"operators": 1.0})
    actions = Counter(e.ACTION for e in sim.events(600))
    assert actions["order.list_viewed"] > 0.8 * (actions.total() - actions["log.record"] - 50)
    assert actions["site.entered"] == 0


def test_no_warmup_starts_empty(start: datetime) -> None:
    """`warmup_secs=0` starts the world empty at `start`: no order arrives before it is made."""
    sim = Simulator(seed=2, rate=50.0, start=start, warmup_secs=0)
    created: set[str] = set()
    for event in sim.events(900):
        if event.ACTION == "order.created":
            created.add(event.order_id)  # type: ignore[attr-defined]
        elif event.ACTION == "order.received":
            assert event.order_id in created  # type: ignore[attr-defined]
