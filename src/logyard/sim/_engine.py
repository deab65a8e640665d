"""The scheduler: many stories interleaved in timestamp order on one heap.

A story is a generator of ``(unix ms, event)`` with non-decreasing times that may spawn
other stories no earlier than its own clock. The heap holds each live story's next event;
popping the smallest gives a globally ordered stream. Arrival processes are stories too:
they yield ``(ms, None)`` wake-ups and spawn a new session at each.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Mapping
from heapq import heappop, heappush, heapreplace

from logyard.catalog import Event
from logyard.sim._customers import visit
from logyard.sim._ops import background_error, deploy, failure, log_record, warning
from logyard.sim._staff import integration_session, operator_shift, seller_shift
from logyard.sim._world import Story, World

__all__ = ["DEFAULT_WEIGHTS", "KINDS", "events_per_session", "simulate"]

StoryFn = Callable[[World, int], Story]

# Who generates the traffic; a weight is that kind's share of all events.
KINDS: dict[str, StoryFn] = {
    "customers": visit,
    "sellers": seller_shift,
    "operators": operator_shift,
    "integrations": integration_session,
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "customers": 0.75,
    "sellers": 0.08,
    "operators": 0.1,
    "integrations": 0.07,
}
_MINUTE = 60_000
_SHIFT = 40  # bits of the push number in a heap key
# Clock-driven processes and their mean interval: the first comes within one interval of
# the start and the gaps are uniform in [0.5, 1.5] intervals, so a simulated hour always
# holds at least one of each.
_OPS: tuple[tuple[StoryFn, int], ...] = (
    (deploy, 50 * _MINUTE),
    (failure, 20 * _MINUTE),
    (warning, 4 * _MINUTE),
    (background_error, 90_000),
    (log_record, 15_000),
)


def _poisson(w: World, t: int, per_ms: float, story: StoryFn) -> Story:
    expovariate = w.rng.expovariate
    clock = float(t)
    while True:
        clock += expovariate(per_ms)
        t = int(clock)
        yield t, None
        w.spawn(story(w, t))


def _jittered(w: World, t: int, mean_ms: int, story: StoryFn) -> Story:
    t += int(w.rnd() * mean_ms)
    while True:
        yield t, None
        w.spawn(story(w, t))
        t += int(mean_ms * (0.5 + w.rnd()))


@functools.cache
def events_per_session() -> Mapping[str, float]:
    """Mean events one session of each kind produces, the order journeys it starts included.

    Measured once per process on a fixed seed, so rates are exact whatever stories change.
    """
    w = World(seed=0)
    pending: list[Story] = []
    w.spawn = pending.append
    t = 1_800_000_000_000
    means = {}
    for kind, story in KINDS.items():
        sessions = 400
        count = 0
        for _ in range(sessions):
            pending.append(story(w, t))
            while pending:
                count += sum(1 for _ms, event in pending.pop() if event is not None)
        means[kind] = count / sessions
    return means


def simulate(
    w: World,
    *,
    start_ms: int,
    end_ms: int | None,
    rate: float,
    weights: Mapping[str, float],
    warmup_ms: int,
) -> Iterator[Event]:
    """Events in ``[start_ms, end_ms)`` in timestamp order, ``rate`` per simulated second.

    Sessions start ``warmup_ms`` early so the stream begins in a steady state (customers
    already browsing, orders already in flight); what happens before ``start_ms`` is
    generated and dropped.
    """
    # The heap holds int keys (ms << 40 | push number): int comparisons are the cheapest,
    # and the push number keeps equal instants in a fixed order.
    heap: list[int] = []
    slots: dict[int, tuple[Event | None, Story]] = {}
    seq = itertools.count()

    def spawn(story: Story) -> None:
        first = next(story, None)
        if first is not None:
            key = first[0] << _SHIFT | next(seq)
            slots[key] = (first[1], story)
            heappush(heap, key)

    w.spawn = spawn
    means = events_per_session()
    total = sum(weights.values())
    for kind, session in KINDS.items():
        per_ms = rate * weights.get(kind, 0.0) / total / means[kind] / 1000.0
        if per_ms > 0:
            spawn(_poisson(w, start_ms - warmup_ms, per_ms, session))
    for process, mean_ms in _OPS:
        spawn(_jittered(w, start_ms, mean_ms, process))
    start_key = start_ms << _SHIFT
    end_key = end_ms << _SHIFT if end_ms is not None else 1 << 128
    take = slots.pop
    while heap:
        key = heap[0]
        if key >= end_key:
            return
        event, story = take(key)
        if event is not None and key >= start_key:
            yield event
        nxt = next(story, None)
        if nxt is None:
            heappop(heap)
        else:
            key = nxt[0] << _SHIFT | next(seq)
            slots[key] = (nxt[1], story)
            heapreplace(heap, key)
