"""Rules on counts: threshold, ratio, spike, absence, SLO burn rate."""

from __future__ import annotations

from datetime import datetime, timedelta

from logyard.alerting._durations import format_duration
from logyard.alerting._evaluate._finding import Finding, group_label
from logyard.alerting._evaluate._query import Querier, and_kql, counts
from logyard.alerting._rules import AbsenceRule, RatioRule, SloBurnRule, SpikeRule, ThresholdRule

__all__ = ["absence", "ratio", "slo_burn", "spike", "threshold"]


def threshold(rule: ThresholdRule, q: Querier, end: datetime) -> list[Finding]:
    """Groups whose count is above ``above`` (or, ungrouped, below ``below``)."""
    start = end - timedelta(seconds=rule.window)
    found = counts(q, rule, rule.query, start, end)
    span = format_duration(rule.window)
    if rule.above is not None:
        return [
            Finding(
                g, n, rule.above, f"{n} events in {span}{group_label(g)} (more than {rule.above})"
            )
            for g, n in found.items()
            if n > rule.above
        ]
    assert rule.below is not None
    n = found.get("", 0)
    if n >= rule.below:
        return []
    return [Finding("", n, rule.below, f"{n} events in {span} (fewer than {rule.below})")]


def ratio(rule: RatioRule, q: Querier, end: datetime) -> list[Finding]:
    """Groups where ``numerator`` events are more than ``above`` of ``query`` events."""
    start = end - timedelta(seconds=rule.window)
    total = counts(q, rule, rule.query, start, end)
    part = counts(q, rule, and_kql(rule.query, rule.numerator), start, end)
    out = []
    for g, n in total.items():
        if n < rule.min_count:
            continue
        share = part.get(g, 0) / n
        if share > rule.above:
            out.append(
                Finding(
                    g,
                    round(share, 6),
                    rule.above,
                    f"{share:.1%} of {n} events{group_label(g)} match {rule.numerator!r} "
                    f"(limit {rule.above:.1%})",
                )
            )
    return out


def spike(rule: SpikeRule, q: Querier, end: datetime) -> list[Finding]:
    """Groups whose count is over ``factor`` times their average window in the baseline."""
    start = end - timedelta(seconds=rule.window)
    now = counts(q, rule, rule.query, start, end)
    before = counts(q, rule, rule.query, start - timedelta(seconds=rule.baseline), start)
    windows = rule.baseline / rule.window
    out = []
    for g, n in now.items():
        if n < rule.min_count:
            continue
        usual = before.get(g, 0) / windows
        if n > rule.factor * usual:
            times = f"{n / usual:.1f}x" if usual else "new traffic, nothing"
            out.append(
                Finding(
                    g,
                    n,
                    round(rule.factor * usual, 3),
                    f"{n} events in {format_duration(rule.window)}{group_label(g)}: {times} "
                    f"the usual {usual:.1f} of the last {format_duration(rule.baseline)}",
                )
            )
    return out


def absence(rule: AbsenceRule, q: Querier, end: datetime) -> list[Finding]:
    """Groups (or the whole query) without a single event in the window."""
    start = end - timedelta(seconds=rule.window)
    now = counts(q, rule, rule.query, start, end)
    span = format_duration(rule.window)
    if not rule.group_by:
        if now.get("", 0) > 0:
            return []
        return [Finding("", 0, 1, f"no events of {rule.query or 'any kind'!r} in {span}")]
    expected = list(rule.groups) or list(
        counts(q, rule, rule.query, start - timedelta(seconds=rule.lookback), start)
    )
    return [
        Finding(g, 0, 1, f"{rule.group_by}={g} sent no events of {rule.query!r} in {span}")
        for g in expected
        if now.get(g, 0) == 0
    ]


def slo_burn(rule: SloBurnRule, q: Querier, end: datetime) -> list[Finding]:
    """Groups where, for some pair, both the long and the short window burn the error
    budget at ``burn_rate`` times or faster (burn = bad share / (1 - objective))."""
    budget = 1.0 - rule.objective
    best: dict[str, tuple[float, str]] = {}
    for pair in rule.windows:
        rates: list[dict[str, float]] = []
        for secs in (pair.long, pair.short):
            start = end - timedelta(seconds=secs)
            total = counts(q, rule, rule.query, start, end)
            bad = counts(q, rule, and_kql(rule.query, rule.bad), start, end)
            # rounded: 6% bad against a 1% budget is a 6x burn, not 5.999999999999999
            rates.append({g: round(bad.get(g, 0) / n / budget, 9) for g, n in total.items() if n})
        long_rates, short_rates = rates
        for g, burn in long_rates.items():
            short_burn = short_rates.get(g, 0.0)
            if burn >= pair.burn_rate and short_burn >= pair.burn_rate:
                what = (
                    f"error budget of {rule.objective:.3%}{group_label(g)} burns {burn:.1f}x over "
                    f"{format_duration(pair.long)} and {short_burn:.1f}x over "
                    f"{format_duration(pair.short)} (limit {pair.burn_rate:g}x)"
                )
                if g not in best or burn / pair.burn_rate > best[g][0]:
                    best[g] = (burn / pair.burn_rate, what)
    return [Finding(g, round(factor, 4), 1.0, what) for g, (factor, what) in sorted(best.items())]
