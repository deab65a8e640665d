"""Alerts through the API (roles, silences), inside `logyard up`, and from the CLI:
`logyard alerts ...` on the API and on a state file, `logyard analyze` against a served
logyard (one cycle, no duplicate on the next)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from logyard.api import create_app
from logyard.cli import main
from logyard.security.access import AccessBook

ADMIN = "alerts-admin-token"
FATAL_RULES = """
[[rules]]
name = "fatal"
type = "fatal"
window = "10m"
every = "1s"
late_secs = 0
recheck_secs = 5
"""


def fatal_event(ago_secs: float = 2.0) -> dict[str, Any]:
    return {
        "@timestamp": (datetime.now(UTC) - timedelta(seconds=ago_secs)).isoformat(),
        "event.action": "service.failure",
        "service.name": "mes",
        "failure.component": "printer-07",
        "failure.kind": "hardware",
        "message": "printer-07 halted: bed heater short circuit",
    }


@pytest.fixture
def world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A running app evaluating FATAL_RULES every 0.2 s, and tokens of each role."""
    rules = tmp_path / "rules.toml"
    rules.write_text(FATAL_RULES)
    monkeypatch.setenv("LOGYARD_ALERT_RULES", str(rules))
    monkeypatch.setenv("LOGYARD_ALERT_INTERVAL_SECS", "0.2")
    data = tmp_path / "data"
    with TestClient(create_app(data, admin_token=ADMIN)) as client:
        book = AccessBook(data)
        book.add_user("sam", "Support_Logs", "correct horse battery")
        tokens = {
            "admin": ADMIN,
            "Support_Logs": book.create_token(name="t", role="Support_Logs", user="sam"),
            "ingest": book.create_token(name="p", role="ingest"),
        }
        yield client, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_for_alerts(client: TestClient, token: str, n: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while True:
        found: list[dict[str, Any]] = client.get(
            "/api/v1/alerts", params={"status": "all"}, headers=auth(token)
        ).json()["alerts"]
        if len(found) >= n or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_up_raises_an_alert_for_an_ingested_fatal(world: tuple[TestClient, dict[str, str]]) -> None:
    """A FATAL posted to the API becomes an alert of the service inside `up`, readable by
    Support_Logs."""
    client, tokens = world
    answer = client.post("/api/v1/events", json=[fatal_event()], headers=auth(tokens["ingest"]))
    assert answer.json()["accepted"] == 1
    [alert] = wait_for_alerts(client, tokens["Support_Logs"], 1)
    assert (alert["rule"], alert["status"], alert["summary"].split(" at ")[0]) == (
        "fatal",
        "fired",
        "FATAL in mes",
    )


@pytest.mark.parametrize(
    ("role", "method", "path", "expected"),
    [
        ("Support_Logs", "GET", "/api/v1/alerts", 200),
        ("Support_Logs", "GET", "/api/v1/alerts/history", 200),
        ("Support_Logs", "GET", "/api/v1/alerts/silences", 200),
        ("Support_Logs", "POST", "/api/v1/alerts/silences", 403),
        ("Support_Logs", "DELETE", "/api/v1/alerts/silences/1", 403),
        ("Support_Logs", "GET", "/api/v1/alerts/rules", 403),
        ("ingest", "GET", "/api/v1/alerts", 403),
        ("admin", "GET", "/api/v1/alerts/rules", 200),
        ("admin", "POST", "/api/v1/alerts/silences", 201),
    ],
)
def test_alert_routes_by_role(
    world: tuple[TestClient, dict[str, str]], role: str, method: str, path: str, expected: int
) -> None:
    """Support_Logs reads alerts; only admins manage silences and see the rules."""
    client, tokens = world
    body = {"rule": "fatal", "until": "now+1h"} if method == "POST" else None
    answer = client.request(method, path, json=body, headers=auth(tokens[role]))
    assert answer.status_code == expected, answer.text


def test_silences_are_added_listed_and_removed(world: tuple[TestClient, dict[str, str]]) -> None:
    """POST adds (by the admin's name), GET lists, DELETE ends it (404 the second time);
    both are in the history."""
    client, tokens = world
    h = auth(tokens["admin"])
    added = client.post(
        "/api/v1/alerts/silences",
        json={"rule": "api-*", "group": "mes-api", "until": "now+2h", "comment": "deploy"},
        headers=h,
    ).json()
    assert (added["rule"], added["group"], added["comment"], added["created_by"]) == (
        "api-*",
        "mes-api",
        "deploy",
        "admin",
    )
    listed = client.get("/api/v1/alerts/silences", headers=h).json()["silences"]
    assert [s["id"] for s in listed] == [added["id"]]
    path = f"/api/v1/alerts/silences/{added['id']}"
    assert client.delete(path, headers=h).status_code == 204
    assert client.delete(path, headers=h).status_code == 404
    assert client.get("/api/v1/alerts/silences", headers=h).json()["silences"] == []
    kinds = [e["kind"] for e in client.get("/api/v1/alerts/history", headers=h).json()["history"]]
    assert kinds[:2] == ["silence_removed", "silence_added"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"rule": "x", "until": "yesterday"}, "until: 'yesterday' is not a future time"),
        ({"rule": "x", "until": "2020-01-01T00:00:00Z"}, "until: '2020-01-01T00:00:00Z' is not"),
        ({"rule": "", "until": "now+1h"}, "rule: empty"),
        ({"until": "now+1h"}, "body: Object missing required field `rule`"),
    ],
)
def test_bad_silences_are_refused_with_the_reason(
    world: tuple[TestClient, dict[str, str]], body: dict[str, str], detail: str
) -> None:
    """A silence without a rule or with a past/unreadable end is a 400 naming the field."""
    client, tokens = world
    answer = client.post("/api/v1/alerts/silences", json=body, headers=auth(tokens["admin"]))
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(detail)


def test_cli_alerts_on_a_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`logyard alerts silence/silences/unsilence/history --state` work on analyze's file."""
    from logyard.alerting import AlertState

    monkeypatch.setenv("USER", "ops")
    state = tmp_path / "alerts.db"
    AlertState(state).close()
    assert main(["alerts", "silence", "fatal", "--for", "2h", "--comment", "printer swap",
                 "--state", str(state), "--json"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert '"rule": "fatal"' in out
    assert '"created_by": "ops"' in out
    assert main(["alerts", "unsilence", "1", "--state", str(state)]) == 0
    assert main(["alerts", "history", "--state", str(state)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["silence_removed", "silence_added"]
    assert main(["alerts", "unsilence", "1", "--state", str(state)]) == 2
    assert capsys.readouterr().err == (
        "Error: unsilence: no active silence 1; see `alerts silences`\n"
    )


def test_analyze_check_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`logyard analyze --check` exits 2 with all problems of a bad file on stderr."""
    path = tmp_path / "bad.toml"
    path.write_text('[[rules]]\nname = "x"\ntype = "threshold"\nabove = 1\nwindow = "-5m"\n'
                    'query = "a:("\n')  # fmt: skip
    assert main(["analyze", "--rules", str(path), "--check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {path}: 2 problem(s):\n")
    assert 'rules[0].window: "-5m" is not a positive duration' in err
    assert "rules[0].query: " in err


def test_shipped_rules_pass_analyze_check(capsys: pytest.CaptureFixture[str]) -> None:
    """`logyard analyze --check` accepts the default rules."""
    assert main(["analyze", "--check"]) == 0
    assert capsys.readouterr().out.endswith("valid; 10 rule(s), 0 notifier(s)\n")


def test_admins_check_a_rule_file_over_the_api(world: tuple[TestClient, dict[str, str]]) -> None:
    """POST /api/v1/alerts/rules/check answers every problem of a TOML body; a good file is
    valid; Support_Logs may not check."""
    client, tokens = world
    bad = '[[rules]]\nname = "x"\ntype = "spike"\nfactor = 0.5\nwindw = "5m"\n'
    answer = client.post(
        "/api/v1/alerts/rules/check", content=bad, headers=auth(tokens["admin"])
    ).json()
    assert answer == {
        "valid": False,
        "problems": [
            "rules[0].factor: input should be greater than 1 (got 0.5); fix the value",
            "rules[0].windw: unknown field; the fields here are baseline, cooldown, description, "
            "enabled, every, factor, group_by, late_secs, max_groups, min_count, name, notify, "
            "query, recheck_secs, severity, systems, type, window",
        ],
    }
    good = client.post(
        "/api/v1/alerts/rules/check", content=FATAL_RULES, headers=auth(tokens["admin"])
    )
    assert good.json() == {"valid": True, "rules": 1}
    refused = client.post(
        "/api/v1/alerts/rules/check", content=FATAL_RULES, headers=auth(tokens["Support_Logs"])
    )
    assert refused.status_code == 403
