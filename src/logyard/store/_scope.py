"""What every backend reads the same way: which systems a request reaches, which levels a
``log.level`` range keeps.

A request names ``systems`` (``None``: all six) and a query may pin ``service.name``
(``service.name: crm or service.name: mes``); a backend scans the systems in both, so a
pinned query never touches the other systems' tables or indices. Both backends compile
``log.level >= warn`` to the set of levels in range, in the catalogue's order.
"""

from __future__ import annotations

from logyard.catalog import LEVELS, SYSTEMS
from logyard.errors import QueryError
from logyard.store import kql

__all__ = ["levels_in_range", "query_systems", "systems_to_read"]

_COMPARE = {
    "<": lambda r, bound: r < bound,
    "<=": lambda r, bound: r <= bound,
    ">": lambda r, bound: r > bound,
    ">=": lambda r, bound: r >= bound,
}


def query_systems(node: kql.Node) -> frozenset[str] | None:
    """The systems a query can match when it pins ``service.name`` (None: any system)."""
    match node:
        case kql.Match("service.name", value, "term" | "phrase"):
            return frozenset({value})
        case kql.Or(operands):
            parts = [query_systems(o) for o in operands]
            if any(p is None for p in parts):
                return None
            return frozenset().union(*(p for p in parts if p is not None))
        case kql.And(operands):
            pinned = [p for p in map(query_systems, operands) if p is not None]
            if not pinned:
                return None
            return frozenset.intersection(*pinned)
    return None


def systems_to_read(
    systems: tuple[str, ...] | None, node: kql.Node | None = None
) -> frozenset[str]:
    """The requested systems (all when ``None``), narrowed by a ``service.name`` filter in
    ``node``; raises :class:`~logyard.errors.QueryError` for an unknown system."""
    if systems is not None:
        unknown = [s for s in systems if s not in SYSTEMS]
        if unknown:
            raise QueryError(
                f"systems: unknown system {unknown[0]!r}; use any of {', '.join(SYSTEMS)}"
            )
    wanted = set(SYSTEMS if systems is None else systems)
    pinned = query_systems(node) if node is not None else None
    if pinned is not None:
        wanted &= pinned
    return frozenset(wanted)


def levels_in_range(op: str, value: str) -> list[str]:
    """The levels ``log.level <op> value`` keeps (``>= warn``: WARN, ERROR, FATAL), in the
    catalogue's order; raises :class:`~logyard.errors.QueryError` for a word not a level."""
    rank: dict[str, int] = {lv: i for i, lv in enumerate(LEVELS)}
    bound = rank.get(value.upper())
    if bound is None:
        raise QueryError(f"log.level: {value!r} is not a level; use one of {', '.join(LEVELS)}")
    return [lv for lv, r in rank.items() if _COMPARE[op](r, bound)]
