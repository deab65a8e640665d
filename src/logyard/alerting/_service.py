"""The alerting service: evaluate every rule's due windows, keep state, deliver notifications.

A cycle, for each rule: the windows that ended at least ``late_secs`` ago and were not
evaluated yet (all of them after a restart, up to ``max_catchup_windows``), plus the recent
ones again (``recheck_secs``: late events may make them fire). The findings then change the
state in one transaction: alerts open (deduplicated per rule and group), are muted by
silences or a cooldown, resolve when their group stops firing; each notification goes to
the outbox. Delivery sends the outbox, each notifier in its own thread, with backoff.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from logyard.alerting._evaluate import Finding, Querier, evaluate, learn_signatures
from logyard.alerting._evaluate._query import scope
from logyard.alerting._notify import Notification, Notifier, NotifyError, build
from logyard.alerting._rules import (
    AbsenceRule,
    FatalRule,
    LatencyRule,
    NewSignatureRule,
    RuleSet,
    SloBurnRule,
    SpikeRule,
)
from logyard.alerting._state import AlertState
from logyard.store import AggregateRequest, DateHistogram

__all__ = ["AlertService", "CycleReport"]

_log = logging.getLogger("logyard.alerting")


_MAX_COUNT_BUCKETS = 5000


def _reach(rule: Any) -> float:
    """Seconds before a window's end whose events its evaluation reads."""
    if isinstance(rule, SpikeRule):
        return float(rule.window + rule.baseline)
    if isinstance(rule, LatencyRule) and rule.over_baseline is not None:
        return float(rule.window + rule.baseline)
    if isinstance(rule, AbsenceRule) and rule.group_by and not rule.groups:
        return float(rule.window + rule.lookback)
    return _span(rule)


def _span(rule: Any) -> float:
    """Seconds of event time a rule looks at (an SLO's longest window)."""
    if isinstance(rule, SloBurnRule):
        return max(p.long for p in rule.windows)
    return float(rule.window)


def _ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


def _ts(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _iso(ms: int) -> str:
    return _ts(ms).isoformat().replace("+00:00", "Z")


@dataclass
class CycleReport:
    """What one cycle did: windows evaluated, alerts opened/resolved, notifications."""

    windows: int = 0
    opened: int = 0
    resolved: int = 0
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class AlertService:
    """Evaluates ``rules`` against ``querier`` (a store, or the HTTP adapter) into ``state``.

    ``notifiers`` defaults to those the rule file defines. Times are event time: a call
    with ``now`` evaluates as if the clock showed ``now`` (tests and catch-up use it).
    """

    def __init__(
        self,
        rules: RuleSet,
        querier: Querier,
        state: AlertState,
        *,
        notifiers: dict[str, Notifier] | None = None,
    ) -> None:
        self.rules = rules
        self.querier = querier
        self.state = state
        self.notifiers = (
            notifiers
            if notifiers is not None
            else {name: build(name, cfg) for name, cfg in rules.notifiers.items()}
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at = 0
        self._busy: set[str] = set()
        self._busy_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, len(self.notifiers)), thread_name_prefix="logyard-notify"
        )

    # -- running ----------------------------------------------------------------------------
    def start(self) -> None:
        """Run cycles every ``settings.interval_secs`` in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="logyard-alerting", daemon=True)
        self._thread.start()

    def stop(self, timeout_secs: float = 10.0) -> None:
        """Stop after the current step; the state is consistent at every commit."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_secs)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_cycle(wait=False)
            except Exception:
                _log.exception("alerting: a cycle failed; the next one tries again")
            self._stop.wait(self.rules.settings.interval_secs)

    def run_cycle(self, now: datetime | None = None, *, wait: bool = True) -> CycleReport:
        """Evaluate every rule's due windows, then deliver due notifications (``wait``:
        until every notifier has tried; else delivery goes on in the background)."""
        now = now or datetime.now(UTC)
        report = CycleReport()
        for rule in self.rules.enabled():
            if self._stop.is_set():
                break
            try:
                self.evaluate_rule(rule, now, report)
            except Exception as exc:
                # A failing rule (the store is down, a field is wrong) never stops the others.
                _log.warning("alerting: rule %s failed: %s", rule.name, exc)
                report.errors.append(f"{rule.name}: {exc}")
                with self.state.transaction():
                    self.state.log(_ms(now), None, rule.name, "", "error", str(exc))
        self.deliver(now, report, wait=wait)
        if _ms(now) - self._pruned_at >= 3_600_000:  # hourly: the state does not grow forever
            days = self.rules.settings.history_days
            self.state.prune(_ms(now - timedelta(days=days)), self._group_horizons())
            self._pruned_at = _ms(now)
        return report

    def _group_horizons(self) -> dict[str, int]:
        """Per rule, the event time before which its ``groups`` rows matter no more: the
        windows still to come end after its progress, their re-checks reach back
        ``recheck_secs`` and their cooldown ``cooldown`` before that (one step of margin)."""
        horizons: dict[str, int] = {}
        for rule in self.rules.rules:
            last = self.state.last_end(rule.name)
            if last is not None:
                reach = rule.recheck_secs + rule.cooldown + rule.every
                horizons[rule.name] = last - int(reach * 1000)
        return horizons

    # -- evaluation -------------------------------------------------------------------------
    def windows(self, rule: Any, now: datetime) -> tuple[list[int], list[int]]:
        """(new window ends, window ends to re-check), epoch ms, ascending."""
        step = int(rule.every * 1000)
        due = (_ms(now) - int(rule.late_secs * 1000)) // step * step
        last = self.state.last_end(rule.name)
        if last is None:
            return [due], []
        new = list(range(last + step, due + 1, step))
        cap = self.rules.settings.max_catchup_windows
        if len(new) > cap:
            with self.state.transaction():
                self.state.log(
                    _ms(now), None, rule.name, "", "skipped",
                    f"{len(new) - cap} windows ending {_iso(new[0])}..{_iso(new[-cap - 1])} "
                    f"were not evaluated (over max_catchup_windows={cap})",
                )  # fmt: skip
            new = new[-cap:]
        # Each time windows become due, the recent ones are evaluated again (late events).
        oldest = due - int(rule.recheck_secs * 1000)
        recheck = list(range(last, oldest - 1, -step))[::-1] if new else []
        return new, recheck

    def window_counts(self, rule: Any, ends: list[int]) -> dict[int, int] | None:
        """Events of the rule's query that each window's evaluation reads (its window and
        baseline), from one date histogram; None when windows do not fall on its buckets."""
        step = int(rule.every * 1000)
        reach = int(_reach(rule) * 1000)
        lo, hi = min(ends) - reach, max(ends)
        if reach % step or (hi - lo) // step > _MAX_COUNT_BUCKETS:
            return None
        result = self.querier.aggregate(
            AggregateRequest(
                aggs={"h": DateHistogram(field="@timestamp", interval=f"{step}ms")},
                query=rule.query,
                time_from=_ts(lo),
                time_to=_ts(hi),
                systems=scope(rule),
            )
        )
        per_bucket = {
            int(b["key"]): int(b["doc_count"]) for b in result.aggregations["h"]["buckets"]
        }
        return {
            end: sum(per_bucket.get(k, 0) for k in range(end - reach, end, step)) for end in ends
        }

    def evaluate_rule(self, rule: Any, now: datetime, report: CycleReport) -> None:
        """Evaluate the due windows of one rule and commit what they found."""
        new, recheck = self.windows(rule, now)
        if not new and not recheck:
            return
        counts = self.window_counts(rule, recheck + new)
        if counts is not None:
            # A re-check is worth its queries only when late events changed what the
            # window's evaluation saw (windows before the rule's first one are never due).
            seen = {e: self.state.window_count(rule.name, e) for e in recheck}
            recheck = [e for e in recheck if seen[e] is not None and seen[e] != counts[e]]
        learned: list[str] = []
        if isinstance(rule, NewSignatureRule) and self.state.last_end(rule.name) is None:
            learned = learn_signatures(rule, self.querier, _ts(new[0]))
        found = []
        for end in recheck + new:
            if self._stop.is_set():
                return  # stopping: nothing of this rule is committed; redone after the restart
            found.append((end, end in new, evaluate(rule, self.querier, _ts(end))))
        report.windows += len(found)
        now_ms = _ms(now)
        with self.state.transaction():
            for key in learned:
                self.state.mark_seen(rule.name, key, new[0])
            for end, is_new, findings in sorted(found, key=lambda f: f[0]):
                if rule.ONE_SHOT:
                    self._one_shot(rule, end, findings, now_ms, report)
                else:
                    self._stateful(rule, end, is_new, findings, now_ms, report)
            if new:
                self.state.set_last_end(rule.name, new[-1])
            if counts is not None:
                for end in recheck + new:
                    self.state.set_window_count(rule.name, end, counts[end])
                horizon = max(counts) - int((rule.recheck_secs + rule.every) * 1000)
                self.state.forget_window_counts(rule.name, horizon)
            if isinstance(rule, FatalRule) and new:
                horizon = int((rule.window + rule.recheck_secs + rule.late_secs) * 1000)
                self.state.forget_seen(rule.name, new[-1] - horizon - 86_400_000)

    def _stateful(
        self,
        rule: Any,
        end: int,
        is_new: bool,
        findings: list[Finding],
        now_ms: int,
        report: CycleReport,
    ) -> None:
        firing = {f.group: f for f in findings}
        for grp, finding in firing.items():
            last_fired, last_notified = self.state.group(rule.name, grp)
            alert = self.state.open_alert(rule.name, grp)
            if last_fired is not None and end <= last_fired:
                continue  # this window was handled (re-check of a window that fired)
            if alert is not None:
                self.state.touch_alert(alert["id"], end, finding.value)  # dedup
                self.state.set_group(rule.name, grp, fired=end, notified=None)
                continue
            cooling = last_notified is not None and end - last_notified < rule.cooldown * 1000
            notified = self._open(rule, end, finding, now_ms, cooling=cooling)
            self.state.set_group(rule.name, grp, fired=end, notified=end if notified else None)
            report.opened += 1
        if not is_new:
            return
        for alert in self.state.open_alerts(rule.name):
            if alert["grp"] in firing or alert["last_end"] >= end:
                continue
            self.state.resolve_alert(alert["id"], end, now_ms)
            self.state.log(now_ms, alert["id"], rule.name, alert["grp"], "resolved",
                           f"window ending {_iso(end)} no longer fires")  # fmt: skip
            report.resolved += 1
            if alert["notified"]:
                self._notify(rule, alert["id"], "resolved", alert, end, now_ms)

    def _one_shot(
        self, rule: Any, end: int, findings: list[Finding], now_ms: int, report: CycleReport
    ) -> None:
        for finding in findings:
            if self.state.seen(rule.name, finding.group):
                continue
            self.state.mark_seen(rule.name, finding.group, end)
            # The cooldown of a one-shot rule is per rule: a flood of FATALs (or of new
            # signatures) after one notification is recorded, not sent, until it passes.
            _, last = self.state.group(rule.name, "*")
            cooling = last is not None and end - last < rule.cooldown * 1000
            if self._open(rule, end, finding, now_ms, cooling=cooling, status="fired"):
                self.state.set_group(rule.name, "*", fired=end, notified=end)
            report.opened += 1

    def _open(
        self,
        rule: Any,
        end: int,
        finding: Finding,
        now_ms: int,
        *,
        cooling: bool,
        status: str = "firing",
    ) -> bool:
        """Record a new alert; queue its notifications unless silenced or cooling down."""
        silence = self.state.silence_for(rule.name, finding.group, now_ms)
        notify = silence is None and not cooling
        start = end - int(_span(rule) * 1000)
        alert_id = self.state.add_alert(
            rule=rule.name, rule_type=rule.KIND, grp=finding.group, severity=rule.severity,
            status=status, window_start=start, window_end=end, last_end=end, value=finding.value,
            threshold=finding.threshold, summary=finding.summary, notified=int(notify),
            silenced=int(silence is not None), opened_at=now_ms,
        )  # fmt: skip
        self.state.log(now_ms, alert_id, rule.name, finding.group, "opened", finding.summary)
        if silence is not None:
            self.state.log(now_ms, alert_id, rule.name, finding.group, "silenced",
                           f"silence #{silence['id']}: {silence['comment']}")  # fmt: skip
        elif cooling:
            self.state.log(now_ms, alert_id, rule.name, finding.group, "cooldown",
                           f"notified less than {rule.cooldown:g} s of event time ago")  # fmt: skip
        else:
            row = {"grp": finding.group, "window_start": start, "value": finding.value,
                   "threshold": finding.threshold, "summary": finding.summary}  # fmt: skip
            self._notify(rule, alert_id, "firing", row, end, now_ms)
        return notify

    def _notify(
        self, rule: Any, alert_id: int, status: str, row: dict[str, Any], end: int, now_ms: int
    ) -> None:
        payload = Notification(
            alert_id=alert_id,
            status="firing" if status == "firing" else "resolved",
            rule=rule.name,
            rule_type=rule.KIND,
            severity=rule.severity,
            group=row["grp"],
            summary=row["summary"],
            value=row["value"],
            threshold=row["threshold"],
            window_start=_iso(row["window_start"]),
            window_end=_iso(end),
            description=rule.description,
        ).to_json()
        for name in self.rules.targets(rule):
            self.state.enqueue(alert_id, name, status, payload, now_ms)

    # -- delivery ---------------------------------------------------------------------------
    def deliver(
        self, now: datetime | None = None, report: CycleReport | None = None, *, wait: bool = True
    ) -> None:
        """Send every due notification; each notifier in its own thread, so a slow or dead
        receiver delays only its own messages. Failures are retried with backoff."""
        now = now or datetime.now(UTC)
        report = report if report is not None else CycleReport()
        by_notifier: dict[str, list[dict[str, Any]]] = {}
        for row in self.state.due(_ms(now)):
            by_notifier.setdefault(row["notifier"], []).append(row)
        futures = []
        with self._busy_lock:
            for name, items in by_notifier.items():
                if name in self._busy:
                    continue  # still sending the previous round
                self._busy.add(name)
                futures.append(self._pool.submit(self._send_all, name, items, now, report))
        if wait:
            for future in futures:
                future.result()

    def _send_all(
        self, name: str, rows: list[dict[str, Any]], now: datetime, report: CycleReport
    ) -> None:
        try:
            self._send_rows(name, rows, now, report)
        finally:
            with self._busy_lock:
                self._busy.discard(name)

    def _send_rows(
        self, name: str, rows: list[dict[str, Any]], now: datetime, report: CycleReport
    ) -> None:
        settings = self.rules.settings
        notifier = self.notifiers.get(name)
        for row in rows:
            if self._stop.is_set():
                return
            try:
                if notifier is None:
                    raise NotifyError(
                        f"notifiers.{name}: not configured any more; add it back to the rule file"
                    )
                notifier.send(Notification.from_json(row["payload"]))
            except NotifyError as exc:
                attempt = row["attempts"] + 1
                retry_at: int | None = None
                if attempt < settings.retry_max_attempts:
                    delay = min(
                        settings.retry_backoff_secs * math.pow(2, attempt - 1),
                        settings.retry_max_backoff_secs,
                    )
                    retry_at = _ms(now + timedelta(seconds=delay))
                self.state.failed(row, _ms(now), str(exc), retry_at=retry_at)
                with self._busy_lock:
                    report.failed += 1
                _log.warning("alerting: %s", exc)
                if notifier is not None:
                    return  # the receiver is down: the rest of its messages wait their turn
                continue
            self.state.delivered(row, _ms(now))
            with self._busy_lock:
                report.delivered += 1


def run_forever(service: AlertService) -> None:
    """Run cycles in this thread until interrupted (``logyard analyze``)."""
    while True:
        started = time.monotonic()
        report = service.run_cycle()
        for error in report.errors:
            _log.error("alerting: %s", error)
        left = service.rules.settings.interval_secs - (time.monotonic() - started)
        if left > 0:
            time.sleep(left)
