"""The pieces of the query model both backends share: systems a request reads, level ranges."""

from __future__ import annotations

import pytest

from logyard.errors import QueryError
from logyard.store import kql
from logyard.store._scope import levels_in_range, query_systems, systems_to_read


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (">=", "warn", ["WARN", "ERROR", "FATAL"]),
        (">", "warn", ["ERROR", "FATAL"]),
        ("<=", "Info", ["TRACE", "DEBUG", "INFO"]),
        ("<", "TRACE", []),
    ],
)
def test_levels_in_range(op: str, value: str, expected: list[str]) -> None:
    """A level range keeps the levels on its side of the bound, whatever the bound's case."""
    assert expected == levels_in_range(op, value)


def test_levels_in_range_refuses_a_word_not_a_level() -> None:
    """A bound that is no level is a QueryError naming the field and the levels to use."""
    with pytest.raises(QueryError) as caught:
        levels_in_range(">=", "loud")
    expected = "log.level: 'loud' is not a level; use one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL"
    assert expected == str(caught.value)


def test_query_systems_follows_or_and_and() -> None:
    """``or`` unites the pinned systems, ``and`` intersects them, an unpinned ``or`` pins none."""
    either = kql.parse("service.name: crm or service.name: mes")
    both = kql.parse("(service.name: crm or service.name: mes) and service.name: mes")
    loose = kql.parse("service.name: crm or user.name: ann")
    assert (frozenset({"crm", "mes"}), frozenset({"mes"}), None) == (
        query_systems(either),
        query_systems(both),
        query_systems(loose),
    )


def test_systems_to_read_narrows_the_request_by_the_query() -> None:
    """The requested systems meet the ones the query pins; no request means all six."""
    node = kql.parse("service.name: crm or service.name: mes")
    assert (frozenset({"mes"}), frozenset({"crm", "mes"})) == (
        systems_to_read(("mes", "shop-api"), node),
        systems_to_read(None, node),
    )


def test_systems_to_read_refuses_an_unknown_system() -> None:
    """An unknown system is a QueryError that lists the systems there are."""
    with pytest.raises(QueryError) as caught:
        systems_to_read(("erp",))
    expected = (
        "systems: unknown system 'erp'; "
        "use any of internet-shop, shop-api, crm, crm-api, mes, mes-api"
    )
    assert expected == str(caught.value)
