"""Which partitions retention archives: whole UTC days older than the kept days."""

from __future__ import annotations

from datetime import date

import pytest
from tests.unit.retention._data import NOW

from logyard.errors import ConfigError
from logyard.retention import RetentionPolicy, due_partitions, parse_overrides
from logyard.store.duckdb import Partition


def test_the_first_kept_day_is_today_minus_the_days() -> None:
    """With 180 days on 2026-11-26, 2026-05-30 is kept and 2026-05-29 is due."""
    found = [Partition("mes", date(2026, 5, 29), 3), Partition("mes", date(2026, 5, 30), 4)]
    assert [date(2026, 5, 29)] == [p.day for p in due_partitions(found, RetentionPolicy(), NOW)]


def test_a_system_override_keeps_its_own_days() -> None:
    """``mes=90`` archives mes after 90 days while crm keeps the default 180."""
    policy = RetentionPolicy(180, parse_overrides(["mes=90"]))
    found = [Partition("crm", date(2026, 8, 1), 1), Partition("mes", date(2026, 8, 1), 1)]
    assert [("mes", date(2026, 8, 1))] == [
        (p.system, p.day) for p in due_partitions(found, policy, NOW)
    ]


def test_held_and_empty_partitions_are_left_alone() -> None:
    """A restored (held) day and a day without rows are not due; the rest is, by system
    then day."""
    found = [
        Partition("mes", date(2025, 1, 2), 5),
        Partition("crm", date(2025, 1, 3), 0),
        Partition("crm", date(2025, 1, 1), 2),
        Partition("mes", date(2025, 1, 1), 5),
    ]
    due = due_partitions(found, RetentionPolicy(), NOW, held={("mes", date(2025, 1, 2))})
    assert [("crm", date(2025, 1, 1)), ("mes", date(2025, 1, 1))] == [
        (p.system, p.day) for p in due
    ]


def test_the_listing_cutoff_covers_the_longest_kept_system() -> None:
    """The store is listed up to the latest first-kept day, so the shortest override's
    partitions are all seen."""
    policy = RetentionPolicy(180, {"mes": 30, "crm": 365})
    assert date(2026, 10, 27) == policy.oldest_cutoff(NOW)


def test_every_bad_override_is_reported_at_once() -> None:
    """Each bad ``--system`` item is named with how to write it."""
    with pytest.raises(ConfigError) as info:
        parse_overrides(["mes", "erp=3", "crm=x", "mes-api=0"])
    expected = [
        "--system: 'mes' is not SYSTEM=DAYS; write e.g. mes=90",
        "--system: 'erp' is not a system; use one of internet-shop, shop-api, crm, crm-api, "
        "mes, mes-api",
        "--system: 'crm=x': 'x' is not a whole number of days",
        "--system: 'mes-api=0': keep at least 1 day",
    ]
    assert expected == str(info.value).split("\n  ")[1:]


def test_zero_days_is_refused() -> None:
    """Keeping 0 days would archive today's logs: refused with the fix."""
    with pytest.raises(ConfigError, match="--older-than-days: 0 keeps nothing; pass 1 or more"):
        RetentionPolicy(0)
