"""How long each system's events stay in the store, and which partitions are due."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from logyard.catalog import SYSTEMS
from logyard.errors import ConfigError
from logyard.store.duckdb import Partition

__all__ = [
    "DEFAULT_DAYS",
    "RetentionPolicy",
    "all_problems",
    "due_partitions",
    "override_problems",
    "parse_overrides",
]

#: The note's retention: six months.
DEFAULT_DAYS = 180


def all_problems(problems: Sequence[str]) -> ConfigError:
    """One error that lists every problem, one a line."""
    if len(problems) == 1:
        return ConfigError(problems[0])
    return ConfigError(f"{len(problems)} problems:\n  " + "\n  ".join(problems))


def parse_overrides(items: Iterable[str], where: str = "--system") -> dict[str, int]:
    """``["mes=90", "crm=365"]`` → ``{"mes": 90, "crm": 365}``; every problem at once."""
    out, problems = override_problems(items, where)
    if problems:
        raise all_problems(problems)
    return out


def override_problems(items: Iterable[str], where: str) -> tuple[dict[str, int], list[str]]:
    """The overrides that parse, and a message for each item that does not."""
    out: dict[str, int] = {}
    problems: list[str] = []
    for item in items:
        name, sep, days = item.partition("=")
        name = name.strip()
        if not sep:
            problems.append(f"{where}: {item!r} is not SYSTEM=DAYS; write e.g. mes=90")
            continue
        if name not in SYSTEMS:
            problems.append(f"{where}: {name!r} is not a system; use one of {', '.join(SYSTEMS)}")
            continue
        try:
            value = int(days)
        except ValueError:
            problems.append(f"{where}: {item!r}: {days!r} is not a whole number of days")
            continue
        if value < 1:
            problems.append(f"{where}: {item!r}: keep at least 1 day")
            continue
        out[name] = value
    return out, problems


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Keep ``days`` days of every system (``per_system`` overrides), counted in whole UTC
    days: with 180 days on 2026-07-01, the partitions of 2026-01-01 and before are due."""

    days: int = DEFAULT_DAYS
    per_system: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ConfigError(f"--older-than-days: {self.days} keeps nothing; pass 1 or more")
        unknown = sorted(set(self.per_system) - set(SYSTEMS))
        if unknown:
            raise ConfigError(
                f"--system: {unknown[0]!r} is not a system; use one of {', '.join(SYSTEMS)}"
            )

    def days_for(self, system: str) -> int:
        """Days kept for ``system``."""
        return self.per_system.get(system, self.days)

    def first_kept_day(self, system: str, now: datetime) -> date:
        """The oldest day of ``system`` that stays; every earlier day is due."""
        today = now.astimezone(UTC).date() if now.tzinfo is not None else now.date()
        return today - timedelta(days=self.days_for(system))

    def oldest_cutoff(self, now: datetime) -> date:
        """The latest first-kept day over all systems (what a partition listing needs)."""
        return max(self.first_kept_day(s, now) for s in SYSTEMS)


def due_partitions(
    found: Sequence[Partition],
    policy: RetentionPolicy,
    now: datetime,
    held: Iterable[tuple[str, date]] = (),
) -> list[Partition]:
    """The partitions of ``found`` that are older than their system keeps and not held
    (restored recently), oldest first within each system."""
    holds = set(held)
    due = [
        p
        for p in found
        if p.rows > 0
        and p.day < policy.first_kept_day(p.system, now)
        and (p.system, p.day) not in holds
    ]
    return sorted(due, key=lambda p: (p.system, p.day))
