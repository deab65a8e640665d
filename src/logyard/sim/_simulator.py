"""The public face of the simulator: a seeded stream of catalogue events, and a paced runner."""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from logyard.catalog import Event, to_utc_ms
from logyard.errors import ConfigError
from logyard.sim._engine import DEFAULT_WEIGHTS, KINDS, simulate
from logyard.sim._world import World

__all__ = ["Simulator"]

Sink = Callable[[list[Event]], None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_MAX_WARMUP_SECS = 300.0
_WARMUP_EVENTS = 100_000


class Simulator:
    """The 3D-print shop's six systems at work, deterministic for a seed.

    ``rate`` is events per second of simulated time; ``start`` is where simulated time
    begins (UTC; ``None`` means "end at now" for :meth:`events` and "now" for :meth:`run`).
    ``weights`` shares the traffic between ``customers``, ``sellers``, ``operators`` and
    ``integrations`` (see :data:`DEFAULT_WEIGHTS`). ``warmup_secs`` of simulated time run
    (and are dropped) before ``start`` so the stream opens in a steady state; by default
    five minutes, shortened so it costs at most 100k events.

    The same seed, start and settings give the same events, ids included.
    """

    def __init__(
        self,
        seed: int = 1,
        rate: float = 200.0,
        start: datetime | None = None,
        *,
        weights: Mapping[str, float] | None = None,
        warmup_secs: float | None = None,
    ) -> None:
        if not (rate > 0 and math.isfinite(rate)):
            raise ConfigError(f"sim.rate: expected events per second > 0, got {rate!r}")
        if start is not None and start.tzinfo is None:
            raise ConfigError(
                f"sim.start: {start.isoformat()} has no time zone; pass an aware datetime "
                "such as datetime(2026, 11, 26, tzinfo=UTC)"
            )
        merged = dict(DEFAULT_WEIGHTS if weights is None else weights)
        unknown = sorted(set(merged) - set(KINDS))
        if unknown:
            raise ConfigError(
                f"sim.weights: unknown kind {', '.join(map(repr, unknown))}; use {', '.join(KINDS)}"
            )
        if any(not (v >= 0 and math.isfinite(v)) for v in merged.values()) or not any(
            merged.values()
        ):
            raise ConfigError(
                f"sim.weights: expected shares >= 0 with at least one > 0, got {merged!r}"
            )
        if warmup_secs is not None and not warmup_secs >= 0:
            raise ConfigError(f"sim.warmup_secs: expected >= 0, got {warmup_secs!r}")
        self.seed = seed
        self.rate = float(rate)
        self.start = to_utc_ms(start) if start is not None else None
        self.weights = merged
        self.warmup_secs = warmup_secs

    def __repr__(self) -> str:
        return f"Simulator(seed={self.seed}, rate={self.rate}, start={self.start!r})"

    # -- simulated time -----------------------------------------------------------------------
    def events(self, duration_secs: float) -> Iterator[Event]:
        """Every event of ``duration_secs`` of simulated time, in timestamp order.

        Nothing sleeps: an hour at 200 events/s is 720k events as fast as they are built.
        Each call starts the world afresh from the seed.
        """
        start = self.start or datetime.now(UTC) - timedelta(seconds=duration_secs)
        start_ms = _ms(start)
        return self._stream(start_ms, start_ms + int(duration_secs * 1000), self.rate)

    def _stream(self, start_ms: int, end_ms: int | None, rate: float) -> Iterator[Event]:
        warmup = self.warmup_secs
        if warmup is None:
            warmup = min(_MAX_WARMUP_SECS, _WARMUP_EVENTS / rate)
        return simulate(
            World(self.seed),
            start_ms=start_ms,
            end_ms=end_ms,
            rate=rate,
            weights=self.weights,
            warmup_ms=int(warmup * 1000),
        )

    # -- real time ----------------------------------------------------------------------------
    def run(
        self,
        sink: Sink,
        *,
        rate: float | None = None,
        duration_secs: float | None = None,
        stop: threading.Event | None = None,
        batch_size: int = 1000,
        max_events: int | None = None,
        interval_secs: float = 0.1,
    ) -> int:
        """Hand events to ``sink`` in batches, in real time; returns how many were sent.

        ``rate`` events per wall-clock second (default: the simulator's rate): simulated
        time starts at now and each event is sent once the clock reaches its timestamp,
        in batches every ``interval_secs`` (at most ``batch_size`` each). ``rate=0`` sends
        as fast as the sink takes them, the traffic mix of the simulator's rate, every
        batch stamped with the wall-clock time it is sent at (simulated time would run
        ahead of the clock). Stops after ``duration_secs``, ``max_events`` or when
        ``stop`` is set, whichever comes first.
        """
        pace = self.rate if rate is None else rate
        if not (pace >= 0 and math.isfinite(pace)):
            raise ConfigError(f"sim.run: rate must be >= 0 events per second, got {rate!r}")
        if batch_size < 1:
            raise ConfigError(f"sim.run: batch_size must be >= 1, got {batch_size!r}")
        deadline = None if duration_secs is None else time.monotonic() + duration_secs
        budget = math.inf if max_events is None else max_events
        stream = self._stream(time.time_ns() // 1_000_000, None, pace or self.rate)

        def done(sent: int) -> bool:
            return (
                sent >= budget
                or (stop is not None and stop.is_set())
                or (deadline is not None and time.monotonic() >= deadline)
            )

        if pace == 0:
            return _flood(stream, sink, batch_size, budget, done)
        return _paced(stream, sink, batch_size, budget, interval_secs, stop, done)


def _ms(ts: datetime) -> int:
    return (ts - _EPOCH) // _ONE_MS


def _flood(
    stream: Iterator[Event],
    sink: Sink,
    batch_size: int,
    budget: float,
    done: Callable[[int], bool],
) -> int:
    sent = 0
    while not done(sent):
        batch = list(itertools.islice(stream, int(min(batch_size, budget - sent))))
        stamp = to_utc_ms(datetime.now(UTC))
        for event in batch:
            event.timestamp = stamp
        sink(batch)
        sent += len(batch)
    return sent


def _paced(
    stream: Iterator[Event],
    sink: Sink,
    batch_size: int,
    budget: float,
    interval_secs: float,
    stop: threading.Event | None,
    done: Callable[[int], bool],
) -> int:
    sent = 0
    pending = next(stream)
    while not done(sent):
        now = datetime.now(UTC)
        batch: list[Event] = []
        limit = int(min(batch_size, budget - sent))
        while pending.timestamp <= now and len(batch) < limit:
            batch.append(pending)
            pending = next(stream)
        if batch:
            sink(batch)
            sent += len(batch)
            if len(batch) == limit:
                continue  # behind schedule: catch up without waiting
        pause = interval_secs  # gather the next interval's events into one batch
        if stop is not None:
            stop.wait(pause)
        else:
            time.sleep(pause)
    return sent
