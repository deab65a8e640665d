"""Event rules: each FATAL event, and each error signature never seen before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from logyard.alerting._evaluate._finding import Finding
from logyard.alerting._evaluate._query import Querier, scope
from logyard.alerting._rules import FatalRule, NewSignatureRule
from logyard.alerting._signature import fingerprint, normalize_message
from logyard.store import SearchRequest, Sort

__all__ = ["fatal", "hits", "signatures"]

_PAGE = 1000


def hits(
    q: Querier, rule: Any, start: datetime, end: datetime, limit: int
) -> Iterator[dict[str, Any]]:
    """Matching events in ``[start, end)``, oldest first, at most ``limit``."""
    after: tuple[Any, ...] | None = None
    left = limit
    while left > 0:
        page = q.search(
            SearchRequest(
                query=rule.query,
                time_from=start,
                time_to=end,
                systems=scope(rule),
                size=min(_PAGE, left),
                sort=(Sort("@timestamp", "asc"),),
                search_after=after,
            )
        )
        yield from page.hits
        left -= len(page.hits)
        if page.next is None or not page.hits:
            return
        after = page.next


def fatal(rule: FatalRule, q: Querier, end: datetime) -> list[Finding]:
    """One finding per event (its ``event.id`` is the group)."""
    start = end - timedelta(seconds=rule.window)
    out = []
    for hit in hits(q, rule, start, end, rule.max_events):
        text = hit.get("message") or hit.get("error.message") or hit.get("event.action", "")
        out.append(
            Finding(
                str(hit.get("event.id", "")),
                None,
                None,
                f"{hit.get('log.level', 'FATAL')} in {hit.get('service.name', '?')} at "
                f"{hit.get('@timestamp', '?')}: {text}",
            )
        )
    return out


def signatures(
    rule: NewSignatureRule, q: Querier, start: datetime, end: datetime
) -> dict[str, Finding]:
    """Each signature's first occurrence in ``[start, end)`` by fingerprint."""
    out: dict[str, Finding] = {}
    for hit in hits(q, rule, start, end, rule.max_events):
        kind = str(hit.get(rule.type_field) or hit.get("event.action") or "")
        message = str(hit.get(rule.message_field) or hit.get("message") or "")
        key = fingerprint(kind, message)
        if key not in out:
            out[key] = Finding(
                key,
                None,
                None,
                f"new error in {hit.get('service.name', '?')}: {kind}: "
                f"{normalize_message(message)[:300]}",
            )
    return out
