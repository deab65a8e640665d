"""Counting through the store's query model: totals and per-group counts in a window."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from logyard.store import AggregateRequest, AggregateResult, SearchRequest, SearchResult, Terms

__all__ = ["Querier", "and_kql", "counts", "scope"]


class Querier(Protocol):
    """What evaluation needs of a store: a :class:`~logyard.store.Store`, or the HTTP
    adapter that asks a running logyard."""

    def search(self, request: SearchRequest) -> SearchResult: ...

    def aggregate(self, request: AggregateRequest) -> AggregateResult: ...


def and_kql(*parts: str) -> str:
    """The conjunction of KQL texts (blank ones ignored)."""
    kept = [p.strip() for p in parts if p and p.strip()]
    if len(kept) <= 1:
        return kept[0] if kept else ""
    return " and ".join(f"({p})" for p in kept)


def scope(rule: Any) -> tuple[str, ...] | None:
    return tuple(rule.systems) if rule.systems else None


def counts(
    querier: Querier, rule: Any, query: str, start: datetime, end: datetime
) -> dict[str, int]:
    """Events of ``query`` in ``[start, end)``: by value of ``rule.group_by`` (top
    ``max_groups``), or ``{"": total}`` without grouping."""
    if not rule.group_by:
        result = querier.aggregate(
            AggregateRequest(
                aggs={}, query=query, time_from=start, time_to=end, systems=scope(rule)
            )
        )
        return {"": result.total}
    result = querier.aggregate(
        AggregateRequest(
            aggs={"g": Terms(field=rule.group_by, size=rule.max_groups)},
            query=query,
            time_from=start,
            time_to=end,
            systems=scope(rule),
        )
    )
    return {str(b["key"]): int(b["doc_count"]) for b in result.aggregations["g"]["buckets"]}
