"""Stores with events on chosen days, for the retention tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from logyard.catalog import OrderAssigned
from logyard.security.chain import TrustedKeys, VerifyReport, verify
from logyard.store import SearchRequest, WriteBatch
from logyard.store.duckdb import DuckDBStore

__all__ = ["NOW", "day_events", "ids", "keys", "open_store", "search_ids", "verify_store"]

#: The retention tests' "now": with 180 days kept, 2026-05-30 is the newest day due.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def day_events(system: str, day: date, n: int, prefix: str = "") -> list[OrderAssigned]:
    """``n`` events of ``system`` spread over ``day`` (ids ``<prefix><system>-<day>-<i>``)."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    step = timedelta(seconds=86_399 // max(n, 1))
    return [
        OrderAssigned(
            timestamp=start + i * step,
            event_id=f"{prefix}{system}-{day.isoformat()}-{i:03d}",
            service=system,
            user_name="ivanova",
            order_id=f"ORD-{i}",
            operator="petrov",
            message=f"order ORD-{i} assigned — line «3»",
        )
        for i in range(n)
    ]


def open_store(path: Path, batches: Iterable[list[OrderAssigned]] = ()) -> DuckDBStore:
    """A store file at ``path`` with each batch written in its own transaction."""
    store = DuckDBStore(path)
    for batch in batches:
        store.write(WriteBatch(events=batch))
    return store


def keys(store: DuckDBStore) -> TrustedKeys:
    """The public key of the store's checkpoint signer."""
    return TrustedKeys([store._chain.signer.public])


def verify_store(store: DuckDBStore) -> VerifyReport:
    """``logyard verify``'s check of the store, with its own key trusted."""
    with store.connection() as conn:
        return verify(conn, keys=keys(store))


def search_ids(store: DuckDBStore, query: str = "") -> list[str]:
    """Event ids matching ``query``, sorted."""
    result = store.search(SearchRequest(query=query, size=10_000))
    return sorted(str(h["event.id"]) for h in result.hits)


def ids(events: Iterable[OrderAssigned]) -> list[str]:
    """The events' ids, sorted."""
    return sorted(e.event_id for e in events)
