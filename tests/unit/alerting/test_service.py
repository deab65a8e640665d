"""The service's cycle over a real DuckDB store and a real state file: dedup, resolve,
cooldown, silences, late events, restarts (catch-up, no duplicate notification).

Rules step every minute, wait ``late_secs`` = 60 s and look back ``recheck_secs`` = 300 s:
a cycle at ``at(660)`` evaluates the window that ends at ``at(600)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from logyard.alerting import AlertState, Notification, NotifyError
from logyard.store import AggregateRequest, AggregateResult, SearchRequest, SearchResult
from logyard.store.duckdb import DuckDBStore

from ._world import Recorder, api, at, error, fatal, ruleset, service, write

LOGINS = {"name": "logins", "type": "threshold", "query": "http.response.status_code:401",
          "group_by": "client.ip", "above": 2}  # fmt: skip


def logins(secs: float, n: int = 3, ip: str = "10.0.0.1") -> list[Any]:
    return [api(secs + i, "shop-api", 401, route="/api/auth/login", ip=ip) for i in range(n)]


def test_an_alert_fires_once_while_firing_and_resolves(store: DuckDBStore, tmp_path: Path) -> None:
    """Firing in two consecutive windows is one alert and one notification; the first new
    window without the events resolves it and sends one resolve notification."""
    write(store, logins(300) + logins(400))
    rec = Recorder()
    svc = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))  # window [300, 600): fires
    svc.run_cycle(at(720))  # window [360, 660): still firing (events at 400)
    assert rec.seen() == [("firing", "logins", "10.0.0.1")]
    svc.run_cycle(at(780))  # window [420, 720): nothing
    assert rec.seen() == [("firing", "logins", "10.0.0.1"), ("resolved", "logins", "10.0.0.1")]
    [alert] = svc.state.alerts()
    assert (alert["status"], alert["window_end"], alert["last_end"], alert["resolved_end"]) == (
        "resolved", int(at(600).timestamp() * 1000), int(at(660).timestamp() * 1000),
        int(at(720).timestamp() * 1000),
    )  # fmt: skip


def test_the_notification_carries_the_alert(store: DuckDBStore, tmp_path: Path) -> None:
    """The firing notification has the rule, group, value, threshold and window."""
    write(store, logins(300))
    rec = Recorder()
    svc = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))
    assert rec.sent == [
        Notification(
            alert_id=1, status="firing", rule="logins", rule_type="threshold",
            severity="warning", group="10.0.0.1",
            summary="3 events in 5m for 10.0.0.1 (more than 2)", value=3.0, threshold=2.0,
            window_start="2026-11-26T10:05:00Z", window_end="2026-11-26T10:10:00Z",
        )
    ]  # fmt: skip


def test_cooldown_mutes_a_new_alert_soon_after_the_last_one(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """An alert that fires again 4 minutes (event time) after the last notification, with a
    10-minute cooldown, is recorded but not notified, and its resolve is not sent."""
    write(store, logins(300) + logins(800))
    rec = Recorder()
    svc = service(ruleset({**LOGINS, "cooldown": "10m"}), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))  # fires at 600
    svc.run_cycle(at(960))  # resolves at 660 ([360, 660) is empty), fires again at 840;
    # then the queued resolve goes out
    svc.run_cycle(at(1260))  # resolves again at 1140
    assert rec.seen() == [("firing", "logins", "10.0.0.1"), ("resolved", "logins", "10.0.0.1")]
    kinds = [h["kind"] for h in reversed(svc.state.history(rule="logins"))]
    assert kinds == ["opened", "notified", "resolved", "opened", "cooldown", "notified",
                     "resolved"]  # fmt: skip


def test_a_silence_mutes_matching_alerts_until_removed(store: DuckDBStore, tmp_path: Path) -> None:
    """A silence on ``log*`` mutes the alert (kept, marked silenced); after unsilencing,
    the next alert notifies again."""
    write(store, logins(300) + logins(1000))
    rec = Recorder()
    svc = service(ruleset({**LOGINS, "cooldown": "0s"}), store, tmp_path / "a.db", rec)
    now_ms = int(at(600).timestamp() * 1000)
    silence = svc.state.add_silence(
        "log*", "*", now_ms + 3_600_000, comment="maintenance", created_by="ops", now_ms=now_ms
    )
    svc.run_cycle(at(660))
    assert rec.sent == []
    [alert] = svc.state.alerts()
    assert (alert["status"], alert["silenced"], alert["notified"]) == ("firing", 1, 0)
    svc.run_cycle(at(780))  # resolved at 720: no resolve notification for a muted alert
    assert svc.state.remove_silence(silence["id"], now_ms=now_ms, removed_by="ops")
    svc.run_cycle(at(1360))  # fires at 1020 ... 1300
    assert rec.seen() == [("firing", "logins", "10.0.0.1")]


def test_a_silence_for_one_group_leaves_the_others(store: DuckDBStore, tmp_path: Path) -> None:
    """Silencing group 10.0.0.1 still notifies 10.0.0.2."""
    write(store, logins(300, ip="10.0.0.1") + logins(300, ip="10.0.0.2"))
    rec = Recorder()
    svc = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    now_ms = int(at(600).timestamp() * 1000)
    svc.state.add_silence("logins", "10.0.0.1", now_ms + 60_000_000, comment="", created_by="t",
                          now_ms=now_ms)  # fmt: skip
    svc.run_cycle(at(660))
    assert rec.seen() == [("firing", "logins", "10.0.0.2")]


def test_windows_wait_for_late_events_before_evaluation(store: DuckDBStore, tmp_path: Path) -> None:
    """The window ending at 600 s is not evaluated at 650 s (late_secs 60), only at 660 s."""
    write(store, logins(595))
    rec = Recorder()
    svc = service(ruleset({**LOGINS, "window": "1m"}), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(650))
    assert rec.sent == []
    svc.run_cycle(at(660))
    assert rec.seen() == [("firing", "logins", "10.0.0.1")]


def test_events_later_than_the_allowance_still_fire_on_recheck(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """Events for [540, 600) that arrive after that window was evaluated make it fire when
    it is re-checked in the next cycle (the alert names that window), and the newer window
    [600, 660) without them resolves it."""
    rec = Recorder()
    svc = service(ruleset({**LOGINS, "window": "1m"}), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))
    write(store, logins(550))  # arrive late
    svc.run_cycle(at(720))
    assert rec.seen() == [("firing", "logins", "10.0.0.1"), ("resolved", "logins", "10.0.0.1")]
    [alert] = svc.state.alerts()
    assert alert["window_end"] == int(at(600).timestamp() * 1000)


def test_events_older_than_the_recheck_horizon_are_not_alerted(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """recheck_secs bounds how far back late events count: 10 minutes late is too late
    with a 5-minute recheck."""
    rec = Recorder()
    svc = service(ruleset({**LOGINS, "window": "1m"}), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))
    svc.run_cycle(at(1260))
    write(store, logins(550))
    svc.run_cycle(at(1320))
    assert rec.sent == []


def test_restart_catches_up_windows_evaluated_while_down(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """A service stopped at 660 s and started again at 1500 s evaluates the windows it
    missed: the failed logins at 800 s fire exactly once."""
    rec = Recorder()
    first = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    first.run_cycle(at(660))
    first.stop()
    first.state.close()
    write(store, logins(800))
    second = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    report = second.run_cycle(at(1500))
    assert report.windows == 14  # 660..1440, one per minute
    assert rec.seen() == [("firing", "logins", "10.0.0.1"), ("resolved", "logins", "10.0.0.1")]


def test_restart_does_not_resend_open_alerts(store: DuckDBStore, tmp_path: Path) -> None:
    """An alert notified before a restart, still firing after it, is not sent again (its
    re-checked windows included)."""
    write(store, [e for s in range(300, 1200, 60) for e in logins(s)])
    rec = Recorder()
    first = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    first.run_cycle(at(660))
    first.stop()
    first.state.close()
    second = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    second.run_cycle(at(900))
    second.run_cycle(at(960))
    assert rec.seen() == [("firing", "logins", "10.0.0.1")]
    assert [a["status"] for a in second.state.alerts()] == ["firing"]


class Down:
    """A receiver that is down."""

    name = "rec"

    def send(self, notification: Notification) -> None:
        raise NotifyError("notifiers.rec: cannot reach the receiver (refused)")


def test_queued_notifications_survive_a_restart_and_go_out_once(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """A notification that could not be delivered before the stop is delivered after the
    restart, once; the failed attempt is in the history."""
    write(store, logins(300))
    rules = ruleset(LOGINS, retry_backoff_secs=1)
    from logyard.alerting import AlertService

    first = AlertService(rules, store, AlertState(tmp_path / "a.db"), notifiers={"rec": Down()})
    first.run_cycle(at(660))
    first.stop()
    first.state.close()
    rec = Recorder()
    second = service(rules, store, tmp_path / "a.db", rec)
    second.run_cycle(at(661))
    second.run_cycle(at(662))
    assert rec.seen() == [("firing", "logins", "10.0.0.1")]
    kinds = [h["kind"] for h in reversed(second.state.history())]
    assert kinds == ["opened", "delivery_failed", "notified"]


def test_retries_back_off_and_give_up(store: DuckDBStore, tmp_path: Path) -> None:
    """With backoff 10 s, attempts happen at 660, 670 (+10), 690 (+20); with three attempts
    allowed, the third failure gives up and nothing is left pending."""
    write(store, logins(300))
    rules = ruleset(LOGINS, retry_backoff_secs=10, retry_max_attempts=3)
    from logyard.alerting import AlertService

    svc = AlertService(rules, store, AlertState(tmp_path / "a.db"), notifiers={"rec": Down()})
    for secs in (660, 665, 670, 680, 690, 2000):
        svc.deliver(at(secs)) if secs != 660 else svc.run_cycle(at(secs))
    kinds = [h["kind"] for h in reversed(svc.state.history())]
    assert kinds == ["opened", "delivery_failed", "delivery_failed", "gave_up"]
    ms = int(at(0).timestamp() * 1000)
    attempts = [
        (h["kind"], (h["at"] - ms) / 1000, h["detail"].split(", ")[1].split(":")[0])
        for h in reversed(svc.state.history())
        if h["kind"] != "opened"
    ]
    assert attempts == [
        ("delivery_failed", 660, "attempt 1"),
        ("delivery_failed", 670, "attempt 2"),
        ("gave_up", 690, "attempt 3"),
    ]
    [row] = svc.state.outbox()
    assert (row["attempts"], row["gave_up"], row["delivered_at"]) == (3, 1, None)
    assert svc.state.outbox(pending_only=True) == []


def test_fatal_events_alert_once_each(store: DuckDBStore, tmp_path: Path) -> None:
    """Each FATAL is notified once, though its window is re-checked in later cycles."""
    write(store, [fatal(570), fatal(575, "crm-api", "db gone")])
    rec = Recorder()
    svc = service(ruleset({"name": "fatal", "type": "fatal", "window": "1m"}), store,
                  tmp_path / "a.db", rec)  # fmt: skip
    for secs in (660, 720, 780):
        svc.run_cycle(at(secs))
    assert [(n.status, n.summary.split(" at ")[0]) for n in rec.sent] == [
        ("firing", "FATAL in mes"),
        ("firing", "FATAL in crm-api"),
    ]


def test_new_signatures_alert_once_after_learning(store: DuckDBStore, tmp_path: Path) -> None:
    """Signatures of the learning hour are known; a new type fires once, and the same error
    with other numbers later does not fire again."""
    write(store, [
        error(-1000, "mes", "GCodeError", "slicer failed for order ORD-1: non-manifold mesh"),
        error(400, "mes", "GCodeError", "slicer failed for order ORD-77: non-manifold mesh"),
        error(500, "mes-api", "MemoryError", "worker killed: rss 3.9 GiB"),
        error(700, "mes-api", "MemoryError", "worker killed: rss 4.2 GiB"),
    ])  # fmt: skip
    rec = Recorder()
    rule = {"name": "sig", "type": "new_signature", "query": "event.action:error", "learn": "1h"}
    svc = service(ruleset(rule), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))
    svc.run_cycle(at(900))
    assert [n.summary for n in rec.sent] == [
        "new error in mes-api: MemoryError: worker killed: rss <n> GiB"
    ]


class Failing:
    """A store whose queries of one rule fail (an unreachable backend for that rule)."""

    def __init__(self, store: DuckDBStore) -> None:
        self.store = store

    def search(self, request: SearchRequest) -> SearchResult:
        return self.store.search(request)

    def aggregate(self, request: AggregateRequest) -> AggregateResult:
        if "boom" in request.query:
            from logyard.errors import StoreError

            raise StoreError("store: connection lost")
        return self.store.aggregate(request)


def test_a_failing_rule_does_not_stop_the_others(store: DuckDBStore, tmp_path: Path) -> None:
    """The rule whose queries fail is recorded as an error; the other still alerts."""
    write(store, logins(300))
    rec = Recorder()
    from logyard.alerting import AlertService

    rules = ruleset({**LOGINS, "name": "broken", "query": "boom"}, LOGINS)
    svc = AlertService(rules, Failing(store), AlertState(tmp_path / "a.db"),
                       notifiers={"rec": rec})  # fmt: skip
    report = svc.run_cycle(at(660))
    assert report.errors == ["broken: store: connection lost"]
    assert rec.seen() == [("firing", "logins", "10.0.0.1")]
    assert [(h["rule"], h["kind"]) for h in svc.state.history(rule="broken")] == [
        ("broken", "error")
    ]


def test_first_run_starts_at_the_newest_window(store: DuckDBStore, tmp_path: Path) -> None:
    """A new rule does not replay history: its first cycle evaluates one window."""
    write(store, logins(-3000))
    rec = Recorder()
    svc = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    assert svc.run_cycle(at(660)).windows == 1
    assert rec.sent == []


def test_rechecks_run_only_when_late_events_changed_a_window(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """Without late events a cycle evaluates just its new window; a late event makes the
    window it belongs to (and only that one) be evaluated again."""
    rec = Recorder()
    svc = service(ruleset({**LOGINS, "window": "1m"}), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))
    assert svc.run_cycle(at(720)).windows == 1
    write(store, logins(610, n=1))  # late, for the window [600, 660)
    assert svc.run_cycle(at(780)).windows == 2


def test_a_fatal_flood_is_notified_once_per_cooldown(store: DuckDBStore, tmp_path: Path) -> None:
    """With a 5-minute cooldown, three FATALs in a minute are three alerts and one
    notification; one ten minutes later is notified again."""
    write(store, [fatal(545), fatal(550), fatal(555), fatal(1150)])
    rec = Recorder()
    rule = {"name": "fatal", "type": "fatal", "window": "1m", "cooldown": "5m"}
    svc = service(ruleset(rule), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))
    svc.run_cycle(at(1260))
    assert len(svc.state.alerts(status="fired")) == 4
    assert len(rec.sent) == 2
    kinds = [h["kind"] for h in reversed(svc.state.history()) if h["kind"] != "opened"]
    assert kinds == ["cooldown", "cooldown", "notified", "notified"]


def test_old_history_is_pruned(store: DuckDBStore, tmp_path: Path) -> None:
    """Resolved alerts, their delivered notifications and their history older than
    history_days go; the newer ones stay."""
    write(store, logins(300))
    rec = Recorder()
    rules = ruleset(LOGINS, history_days=1, max_catchup_windows=2)
    svc = service(rules, store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))
    svc.run_cycle(at(780))  # resolved
    assert len(svc.state.history()) == 4
    svc.run_cycle(at(780 + 2 * 86400))  # two days later: pruned (the skipped windows are new)
    assert (svc.state.alerts(status=None), svc.state.outbox()) == ([], [])
    assert [h["kind"] for h in svc.state.history()] == ["skipped"]


def test_stale_groups_are_pruned(store: DuckDBStore, tmp_path: Path) -> None:
    """A group (client.ip) whose alert resolved and whose last fired and notified windows
    are older than the rule's re-check and cooldown reach is forgotten at the next prune;
    a group that fires now keeps its row, and so does a rule's group with a firing alert."""
    write(store, logins(300) + logins(4000, ip="10.0.0.2"))
    rec = Recorder()
    svc = service(ruleset(LOGINS), store, tmp_path / "a.db", rec)
    svc.run_cycle(at(660))  # fires for .1 at 600 (and prunes: nothing is stale yet)
    svc.run_cycle(at(720))  # resolves .1
    ms = int(at(0).timestamp() * 1000)
    assert svc.state.group("logins", "10.0.0.1") == (ms + 600_000, ms + 600_000)
    svc.run_cycle(at(4320))  # an hour later: prunes; .2 fires from the window ending 4020
    assert svc.state.group("logins", "10.0.0.1") == (None, None)
    assert svc.state.group("logins", "10.0.0.2") == (ms + 4260_000, ms + 4020_000)
    assert [a["grp"] for a in svc.state.alerts(status="firing")] == ["10.0.0.2"]
    # A group with a firing alert is kept however old its windows are.
    assert svc.state.prune(0, {"logins": ms + 10**9}) == 0
    assert svc.state.group("logins", "10.0.0.2") == (ms + 4260_000, ms + 4020_000)
