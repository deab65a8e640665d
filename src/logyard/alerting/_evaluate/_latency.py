"""Latency rules: a percentile of a numeric field, absolute and/or against its baseline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from logyard.alerting._durations import format_duration
from logyard.alerting._evaluate._finding import Finding, group_label
from logyard.alerting._evaluate._query import Querier, scope
from logyard.alerting._rules import LatencyRule
from logyard.store import AggregateRequest, Percentiles, Terms

__all__ = ["latency", "percentiles"]


def percentiles(
    rule: LatencyRule, q: Querier, start: datetime, end: datetime
) -> dict[str, tuple[int, float | None]]:
    """(count, percentile of ``rule.field``) by group in ``[start, end)``."""
    pct = Percentiles(field=rule.field, percents=(rule.percentile,))
    if rule.group_by:
        agg: dict[str, Any] = {
            "g": Terms(field=rule.group_by, size=rule.max_groups, aggs={"p": pct})
        }
    else:
        agg = {"p": pct}
    result = q.aggregate(
        AggregateRequest(
            aggs=agg, query=rule.query, time_from=start, time_to=end, systems=scope(rule)
        )
    )
    if not rule.group_by:
        return {"": (result.total, _first(result.aggregations["p"]))}
    return {
        str(b["key"]): (int(b["doc_count"]), _first(b["p"]))
        for b in result.aggregations["g"]["buckets"]
    }


def _first(result: dict[str, Any]) -> float | None:
    values = list(result.get("values", {}).values())
    return float(values[0]) if values and values[0] is not None else None


def latency(rule: LatencyRule, q: Querier, end: datetime) -> list[Finding]:
    """Groups whose percentile is over ``above`` and/or ``over_baseline`` x the baseline's."""
    start = end - timedelta(seconds=rule.window)
    now = percentiles(rule, q, start, end)
    before = (
        percentiles(rule, q, start - timedelta(seconds=rule.baseline), start)
        if rule.over_baseline is not None
        else {}
    )
    name = f"p{rule.percentile:g} of {rule.field}"
    out = []
    for g, (n, value) in now.items():
        if n < rule.min_count or value is None:
            continue
        limits: list[float] = []
        reasons: list[str] = []
        if rule.above is not None:
            limits.append(rule.above)
            reasons.append(f"limit {rule.above:g}")
        if rule.over_baseline is not None:
            usual = before.get(g, (0, None))[1]
            if usual is None:
                continue  # nothing to compare with yet
            limits.append(rule.over_baseline * usual)
            reasons.append(
                f"{rule.over_baseline:g}x the {usual:g} of the last "
                f"{format_duration(rule.baseline)}"
            )
        limit = max(limits)
        if value > limit:
            out.append(
                Finding(
                    g,
                    round(value, 3),
                    round(limit, 3),
                    f"{name}{group_label(g)} is {value:g} over {format_duration(rule.window)} "
                    f"({n} events; {', '.join(reasons)})",
                )
            )
    return out
