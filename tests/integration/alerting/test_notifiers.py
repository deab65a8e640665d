"""Every notifier end to end: an alert fires in a real DuckDB store, the service queues
the notification, and a real receiver on loopback gets it (HTTP server, aiosmtpd).
Unreachable receivers are retried with backoff, recorded, and never hold back the others."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from logyard.alerting import AlertService, AlertState, rules_from_dict
from logyard.catalog import ApiRequest
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore

from ._receivers import SmtpReceiver, free_port, http_receiver, smtp_receiver

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(seconds=660)  # evaluates the window [10:05, 10:10)
_ids = itertools.count()
RULE = {
    "name": "brute-force",
    "type": "threshold",
    "severity": "critical",
    "description": "Many failed logins from one address.",
    "query": "http.response.status_code:401",
    "group_by": "client.ip",
    "above": 2,
}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = DuckDBStore(tmp_path / "x.duckdb")
    events = [
        ApiRequest(
            timestamp=T0 + timedelta(seconds=300 + i),
            event_id=f"e{next(_ids)}",
            service="shop-api",
            method="POST",
            route="/api/auth/login",
            status_code=401,
            duration_ms=12.0,
            client_ip="10.0.0.1",
        )
        for i in range(3)
    ]
    s.write(WriteBatch(events=events))
    yield s
    s.close()


def service(store: Any, tmp_path: Path, notifiers: dict[str, Any], **settings: Any) -> AlertService:
    rules = rules_from_dict(
        {
            "settings": {"notify": sorted(notifiers), **settings},
            "notifiers": notifiers,
            "rules": [RULE],
        }
    )
    return AlertService(rules, store, AlertState(tmp_path / "alerts.db"))


TITLE = "[FIRING] brute-force (10.0.0.1): 3 events in 5m for 10.0.0.1 (more than 2)"
TEXT = (
    f"{TITLE}\nseverity: critical; rule type: threshold\n"
    "window: 2026-11-26T10:05:00Z .. 2026-11-26T10:10:00Z\nMany failed logins from one address."
)


def test_generic_webhook_gets_the_alert_as_json(store: Any, tmp_path: Path) -> None:
    """The webhook receives one JSON document with the alert's fields."""
    with http_receiver() as hook:
        svc = service(
            store,
            tmp_path,
            {
                "hook": {
                    "type": "webhook",
                    "url": hook.url + "/alerts",
                    "headers": {"X-Team": "ops"},
                }
            },
        )
        report = svc.run_cycle(NOW)
    assert report.delivered == 1
    assert hook.paths() == ["/alerts"]
    assert hook.bodies() == [
        {
            "alert_id": 1,
            "status": "firing",
            "rule": "brute-force",
            "rule_type": "threshold",
            "severity": "critical",
            "group": "10.0.0.1",
            "summary": "3 events in 5m for 10.0.0.1 (more than 2)",
            "value": 3.0,
            "threshold": 2.0,
            "window_start": "2026-11-26T10:05:00Z",
            "window_end": "2026-11-26T10:10:00Z",
            "description": "Many failed logins from one address.",
        }
    ]


def test_slack_webhook_gets_text_and_attachment(store: Any, tmp_path: Path) -> None:
    """The Slack-compatible body has the title as text and the details attached in red."""
    with http_receiver() as slack:
        svc = service(
            store,
            tmp_path,
            {"chat": {"type": "slack", "url": slack.url + "/services/T/B/x", "channel": "#ops"}},
        )
        svc.run_cycle(NOW)
    assert slack.bodies() == [
        {"text": TITLE, "attachments": [{"color": "#d0021b", "text": TEXT}], "channel": "#ops"}
    ]


def test_telegram_bot_api_gets_send_message(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """POST {base_url}/bot{token}/sendMessage with chat_id and text; the token comes from
    the environment variable named by token_env."""
    monkeypatch.setenv("TEST_TG_TOKEN", "123:abc")
    with http_receiver() as tg:
        svc = service(
            store,
            tmp_path,
            {
                "tg": {
                    "type": "telegram",
                    "chat_id": "-100200",
                    "token_env": "TEST_TG_TOKEN",
                    "base_url": tg.url,
                }
            },
        )
        report = svc.run_cycle(NOW)
    assert report.delivered == 1
    assert tg.paths() == ["/bot123:abc/sendMessage"]
    assert tg.bodies() == [{"chat_id": "-100200", "text": TEXT}]


def test_telegram_answer_without_ok_is_a_failure(store: Any, tmp_path: Path) -> None:
    """A Bot API answer of ok=false (wrong chat) is a failed delivery, kept for retry."""
    with http_receiver() as tg:
        tg.answer = b'{"ok": false, "description": "chat not found"}'
        svc = service(
            store,
            tmp_path,
            {"tg": {"type": "telegram", "chat_id": "1", "token": "t", "base_url": tg.url}},
        )
        report = svc.run_cycle(NOW)
    assert (report.delivered, report.failed) == (0, 1)
    [pending] = svc.state.outbox(pending_only=True)
    assert (
        pending["last_error"]
        == 'notifiers.tg: the Bot API did not answer "ok": true; check chat_id'
    )


def _mail(smtp: SmtpReceiver, **options: Any) -> dict[str, Any]:
    """The notifiers of a service with one email notifier ``mail`` sending to ``smtp``."""
    return {"mail": {"type": "email", "host": smtp.host, "port": smtp.port, **options}}


def test_email_over_smtp(store: Any, tmp_path: Path) -> None:
    """One mail to every recipient with the title as subject and the text as body."""
    with smtp_receiver(tmp_path) as smtp:
        svc = service(
            store,
            tmp_path,
            _mail(smtp, sender="logyard@corp.test", recipients=["ops@corp.test", "sec@corp.test"]),
        )
        report = svc.run_cycle(NOW)
    assert report.delivered == 1
    [mail] = smtp.messages
    assert (mail["From"], mail["To"], mail["Subject"]) == (
        "logyard@corp.test",
        "ops@corp.test, sec@corp.test",
        TITLE,
    )
    assert mail.get_content().replace("\r\n", "\n").strip() == TEXT  # CRLF on the wire


def test_email_with_starttls_and_login(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With starttls the session is encrypted before the login and the message."""
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret-pass")
    with smtp_receiver(tmp_path, starttls=True, password="s3cret-pass") as smtp:
        svc = service(
            store,
            tmp_path,
            _mail(
                smtp,
                sender="logyard@corp.test",
                recipients=["ops@corp.test"],
                starttls=True,
                verify_tls=False,
                username="alerts",
                password_env="TEST_SMTP_PASSWORD",
            ),
        )
        report = svc.run_cycle(NOW)
    assert report.delivered == 1
    assert (smtp.logins, smtp.tls_sessions) == ([("alerts", "s3cret-pass")], [True])


def test_email_without_starttls_to_a_server_requiring_it_fails_and_is_recorded(
    store: Any, tmp_path: Path
) -> None:
    """The server refuses mail before STARTTLS: the failure is in the history."""
    with smtp_receiver(tmp_path, starttls=True) as smtp:
        svc = service(
            store, tmp_path, _mail(smtp, sender="a@corp.test", recipients=["b@corp.test"])
        )
        report = svc.run_cycle(NOW)
    assert (report.delivered, report.failed, smtp.messages) == (0, 1, [])
    [entry] = [h for h in svc.state.history() if h["kind"] == "delivery_failed"]
    assert entry["detail"].startswith(
        "firing via mail, attempt 1: notifiers.mail: the SMTP server refused"
    )


def test_unreachable_receivers_do_not_hold_back_the_others(store: Any, tmp_path: Path) -> None:
    """A webhook on a closed port and an SMTP server that is down fail and are recorded;
    the Slack receiver still gets its message in the same cycle."""
    closed = free_port()
    with http_receiver() as slack:
        svc = service(
            store,
            tmp_path,
            {
                "down-hook": {
                    "type": "webhook",
                    "url": f"http://127.0.0.1:{closed}/x",
                    "timeout_secs": 2,
                },
                "down-mail": {
                    "type": "email",
                    "host": "127.0.0.1",
                    "port": free_port(),
                    "sender": "a@corp.test",
                    "recipients": ["b@corp.test"],
                    "timeout_secs": 2,
                },
                "chat": {"type": "slack", "url": slack.url},
            },
        )
        report = svc.run_cycle(NOW)
    assert (report.delivered, report.failed) == (1, 2)
    assert len(slack.bodies()) == 1
    failed = sorted(
        h["detail"].split(":")[0] for h in svc.state.history() if h["kind"] == "delivery_failed"
    )
    assert failed == ["firing via down-hook, attempt 1", "firing via down-mail, attempt 1"]


def test_a_receiver_that_comes_back_gets_the_message_after_backoff(
    store: Any, tmp_path: Path
) -> None:
    """HTTP 503 first: retried after the backoff (not before), then delivered once."""
    with http_receiver() as hook:
        hook.status = 503
        svc = service(
            store, tmp_path, {"hook": {"type": "webhook", "url": hook.url}}, retry_backoff_secs=30
        )
        svc.run_cycle(NOW)
        hook.status = 200
        svc.deliver(NOW + timedelta(seconds=10))  # not due yet
        assert len(hook.bodies()) == 1
        svc.deliver(NOW + timedelta(seconds=31))
        svc.deliver(NOW + timedelta(seconds=100))
    assert len(hook.bodies()) == 2  # the refused attempt, then the delivered one
    assert [h["kind"] for h in reversed(svc.state.history())] == [
        "opened",
        "delivery_failed",
        "notified",
    ]
