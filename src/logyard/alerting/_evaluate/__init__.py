"""Evaluating a rule over one event-time window, through the store's query model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from logyard.alerting._evaluate._counting import absence, ratio, slo_burn, spike, threshold
from logyard.alerting._evaluate._events import fatal, signatures
from logyard.alerting._evaluate._finding import Finding
from logyard.alerting._evaluate._latency import latency
from logyard.alerting._evaluate._query import Querier
from logyard.alerting._rules import NewSignatureRule

__all__ = ["Finding", "Querier", "evaluate", "learn_signatures"]

_BY_KIND: dict[str, Callable[[Any, Querier, datetime], list[Finding]]] = {
    "absence": absence,
    "fatal": fatal,
    "latency": latency,
    "ratio": ratio,
    "slo_burn": slo_burn,
    "spike": spike,
    "threshold": threshold,
}


def evaluate(rule: Any, querier: Querier, end: datetime) -> list[Finding]:
    """The firing findings of ``rule`` for the window that ends at ``end``. For
    ``new_signature`` every signature of the window is returned (the caller keeps which
    ones were seen)."""
    if isinstance(rule, NewSignatureRule):
        start = end - timedelta(seconds=rule.window)
        return list(signatures(rule, querier, start, end).values())
    return _BY_KIND[rule.KIND](rule, querier, end)


def learn_signatures(rule: NewSignatureRule, querier: Querier, end: datetime) -> list[str]:
    """Fingerprints of the ``learn`` period before the first window (seen, not alerted)."""
    if rule.learn <= 0:
        return []
    start = end - timedelta(seconds=rule.window)
    return list(signatures(rule, querier, start - timedelta(seconds=rule.learn), start))
