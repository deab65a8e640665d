"""The simulated company's shared state: one seeded RNG, pools built once, ids, clocks.

Everything random comes from the world's one ``random.Random``, in the order the engine
advances the stories, so a seed fixes the whole sequence, ids included. Hot helpers index
precomputed pools with ``getrandbits`` instead of calling ``random.choice`` or
``lognormvariate`` per event.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime
from typing import TypeVar

from logyard.catalog import Event, System
from logyard.sim._cards import card_number, card_text
from logyard.sim._people import Person, make_person, make_staff
from logyard.sim._shop import client_ips, landing_urls, page_urls, referrers, route_for

__all__ = ["HOSTS", "TABLE_BITS", "Emit", "Story", "World", "lognormal_table"]

# A story yields (unix ms, event); a ``None`` event is a wake-up (arrival processes use it).
Story = Iterator[tuple[int, Event | None]]
# A sub-story used with ``t = yield from ...``: yields events, returns the clock it ended at.
Emit = Generator[tuple[int, Event], None, int]

TABLE_BITS = 12
_TABLE_SIZE = 1 << TABLE_BITS
_RING = 512
_T = TypeVar("_T")
_fromts = datetime.fromtimestamp
_UTC = UTC


def lognormal_table(median: float, sigma: float, *, seed: int) -> tuple[float, ...]:
    """``2**TABLE_BITS`` lognormal samples rounded to 0.1, indexed by ``getrandbits``."""
    rng = random.Random(seed)
    mu = math.log(median)
    return tuple(round(rng.lognormvariate(mu, sigma), 1) for _ in range(_TABLE_SIZE))


# Fixed tables (same for every seed; which entry is drawn depends on the seed).
API_MS = lognormal_table(38.0, 0.7, seed=1)  # API latency
THINK_MS = lognormal_table(9_000.0, 0.9, seed=2)  # a visitor reading a page
FETCH_MS = lognormal_table(120.0, 0.45, seed=3)  # MES order list query
CALC_MS = lognormal_table(850.0, 0.55, seed=4)  # MES order calculation
QUEUE_MS = lognormal_table(700.0, 0.8, seed=5)  # shop → crm-api queue transit
WORK_MS = lognormal_table(60_000.0, 0.8, seed=6)  # staff between two actions

# Four entries per system (repeated where it runs on two) so ``getrandbits(2)`` picks one.
HOSTS: dict[System, tuple[str, ...]] = {
    "internet-shop": ("shop-web-01", "shop-web-02", "shop-web-03", "shop-web-04"),
    "shop-api": ("shop-api-01", "shop-api-02", "shop-api-03", "shop-api-04"),
    "crm": ("crm-01", "crm-02") * 2,
    "crm-api": ("crm-api-01", "crm-api-02") * 2,
    "mes": ("mes-01", "mes-02") * 2,
    "mes-api": ("mes-api-01", "mes-api-02") * 2,
}


def _no_spawn(story: Story) -> None:  # pragma: no cover - replaced by the engine
    raise RuntimeError("sim: a story spawned outside an engine; run it through Simulator")


class World:
    """Pools, counters and the little shared state stories need (recent orders, incidents)."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.rnd: Callable[[], float] = rng.random
        self.bits: Callable[[int], int] = rng.getrandbits
        self.staff = make_staff(rng)
        self.customers: list[Person] = [make_person(rng, i) for i in range(2048)]
        self.ips = client_ips(rng, _TABLE_SIZE)
        self.bot_ips = [f"66.249.{rng.randrange(64, 96)}.{rng.randrange(1, 255)}" for _ in range(8)]
        self.office_ips = [
            f"10.20.{rng.randrange(1, 8)}.{rng.randrange(2, 250)}" for _ in range(64)
        ]
        self.pages = [(url, route_for(url)) for url in page_urls(rng)]
        self.landings = landing_urls(rng)
        self.referrers = referrers()
        self.cards = [card_number(rng) for _ in range(256)]
        self.order_seq = rng.randrange(100_000, 400_000)
        self.recent: list[str] = []
        self.degraded_until: dict[str, int] = {}
        self.calc_factor = 1.0
        self.versions: dict[str, tuple[int, int, int]] = {
            s: (rng.randrange(1, 4), rng.randrange(0, 30), 0) for s in HOSTS
        }
        self.spawn: Callable[[Story], None] = _no_spawn
        self._days: dict[int, str] = {}

    # -- ids and time ------------------------------------------------------------------------
    @staticmethod
    def ts(ms: int) -> datetime:
        """The UTC datetime of a unix-ms instant (exact to the millisecond)."""
        return _fromts(ms / 1000, _UTC)

    def day(self, day: int) -> str:
        """ISO date of a day number since the epoch (cached: list filters ask for it often)."""
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = _fromts(day * 86_400, _UTC).date().isoformat()
        return text

    def eid(self, ms: int) -> str:
        """A UUIDv7 for an event at ``ms``: its 74 random bits come from the seeded RNG."""
        r = self.bits(74)
        return "%08x-%04x-7%03x-%04x-%012x" % (  # noqa: UP031 - one C-level format, hot path
            ms >> 16,
            ms & 0xFFFF,
            r >> 62,
            0x8000 | (r >> 48) & 0x3FFF,
            r & 0xFFFF_FFFF_FFFF,
        )

    def trace(self) -> str:
        """A W3C trace id (32 hex digits)."""
        return "%032x" % self.bits(128)  # noqa: UP031 - hot path

    def span(self) -> str:
        """A W3C span id (16 hex digits)."""
        return "%016x" % self.bits(64)  # noqa: UP031 - hot path

    # -- pools --------------------------------------------------------------------------------
    def pick(self, items: list[_T] | tuple[_T, ...]) -> _T:
        """One element, uniformly."""
        return items[int(self.rnd() * len(items))]

    def host(self, system: System) -> str:
        """The host of ``system`` that served this request."""
        return HOSTS[system][self.bits(2)]

    def customer(self) -> Person:
        """A returning customer; a few regulars come back far more often (retention)."""
        n = len(self.customers)
        i = int(self.rnd() ** 2.2 * n)
        return self.customers[i]

    def new_customer(self) -> Person:
        """A customer who registers now; joins the pool of those who may come back."""
        person = make_person(self.rng, len(self.customers))
        if len(self.customers) < 50_000:
            self.customers.append(person)
        return person

    def phone(self, person: Person) -> str:
        """One of the three spellings of the person's phone."""
        return person.phones[int(self.rnd() * 3)]

    def card(self) -> str:
        """A Luhn-valid card number as a person would type it."""
        return card_text(self.rng, self.cards[self.bits(8)])

    # -- orders -------------------------------------------------------------------------------
    def new_order_id(self) -> str:
        """The next order number."""
        self.order_seq += 1
        return f"ORD-{self.order_seq:06d}"

    def remember(self, order_id: str) -> None:
        """Keep ``order_id`` among the recent orders staff may open and change."""
        recent = self.recent
        if len(recent) < _RING:
            recent.append(order_id)
        else:
            recent[self.bits(9)] = order_id

    def recent_order(self) -> str | None:
        """A recent order, or ``None`` before the first one."""
        recent = self.recent
        return recent[int(self.rnd() * len(recent))] if recent else None
