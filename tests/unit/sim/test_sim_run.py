"""`Simulator.run`: paced in real time, or as fast as possible, stopping when told."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from logyard.catalog import Event
from logyard.sim import Simulator


class Collect:
    """A sink that keeps every batch and when it arrived."""

    def __init__(self) -> None:
        self.batches: list[list[Event]] = []
        self.arrived: list[datetime] = []

    def __call__(self, batch: list[Event]) -> None:
        self.arrived.append(datetime.now(UTC))
        self.batches.append(batch)

    @property
    def events(self) -> list[Event]:
        return [e for b in self.batches for e in b]


def test_flat_out_sends_exactly_max_events_in_batches() -> None:
    """`rate=0` hands over `max_events` in batches of `batch_size` and returns the count."""
    sink = Collect()
    sent = Simulator(seed=1, warmup_secs=0).run(sink, rate=0, max_events=2_500, batch_size=1_000)
    assert sent == 2_500
    assert [len(b) for b in sink.batches] == [1_000, 1_000, 500]


def test_flat_out_stamps_events_with_wall_clock_time() -> None:
    """At `rate=0` each batch carries the wall-clock time it was sent at, not simulated time."""
    sink = Collect()
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    Simulator(seed=1, warmup_secs=0).run(sink, rate=0, max_events=3_000, batch_size=500)
    after = datetime.now(UTC)
    for batch, arrived in zip(sink.batches, sink.arrived, strict=True):
        assert {e.timestamp for e in batch} == {batch[0].timestamp}
        assert before <= batch[0].timestamp <= arrived <= after


def test_stop_event_ends_the_run() -> None:
    """Setting `stop` ends a run that has no other limit; what was sent is reported."""
    stop = threading.Event()
    sink = Collect()

    def stopping(batch: list[Event]) -> None:
        sink(batch)
        if len(sink.batches) == 3:
            stop.set()

    sent = Simulator(seed=1, warmup_secs=0).run(stopping, rate=0, stop=stop, batch_size=200)
    assert sent == 600 == len(sink.events)


def test_duration_ends_a_flat_out_run() -> None:
    """`duration_secs` bounds a run in wall-clock time."""
    began = time.monotonic()
    sent = Simulator(seed=1, warmup_secs=0).run(lambda b: None, rate=0, duration_secs=0.3)
    assert sent > 0
    assert time.monotonic() - began < 2.0


def test_paced_run_sends_events_once_their_time_has_come() -> None:
    """At `rate=400` for 0.6 s about 240 events arrive, none before its own timestamp."""
    sink = Collect()
    began = datetime.now(UTC) - timedelta(milliseconds=1)
    sent = Simulator(seed=1, warmup_secs=30).run(sink, rate=400, duration_secs=0.6)
    assert 60 <= sent <= 600
    for batch, arrived in zip(sink.batches, sink.arrived, strict=True):
        assert all(began <= e.timestamp <= arrived for e in batch)
    stamps = [e.timestamp for e in sink.events]
    assert stamps == sorted(stamps)


def test_paced_run_batches_by_interval() -> None:
    """A paced run gathers each interval's events into one batch instead of one call each."""
    sink = Collect()
    Simulator(seed=1, warmup_secs=30).run(sink, rate=400, duration_secs=0.6, interval_secs=0.2)
    assert len(sink.batches) <= 6
