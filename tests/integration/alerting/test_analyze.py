"""`logyard analyze` against a served logyard over HTTP: the query model through the API
(search and aggregations), one cycle with --once, and a SIGKILL between evaluations that
neither loses an alert nor sends one twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e._serve import serve

from logyard.api import create_app
from logyard.cli import main

from ._receivers import HttpReceiver, http_receiver

ADMIN = "analyze-admin-token"


def rules_file(tmp_path: Path, hook: str, every: str = "1m", window: str = "10m") -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(f"""
[settings]
interval_secs = 0.2
notify = ["hook"]

[notifiers.hook]
type = "webhook"
url = "{hook}"

[[rules]]
name = "fatal"
type = "fatal"
window = "{window}"
every = "{every}"
late_secs = 0
recheck_secs = 5

[[rules]]
name = "logins"
type = "threshold"
query = "http.response.status_code:401"
group_by = "client.ip"
above = 2
window = "{window}"
every = "{every}"
late_secs = 0
recheck_secs = 5
""")
    return path


def _ago(secs: float) -> str:
    return (datetime.now(UTC) - timedelta(seconds=secs)).isoformat()


def fatal(ago_secs: float, message: str) -> dict[str, Any]:
    return {"@timestamp": _ago(ago_secs),
            "event.action": "service.failure", "service.name": "mes",
            "failure.component": "printer-07", "failure.kind": "hardware",
            "message": message}  # fmt: skip


def login(ago_secs: float) -> dict[str, Any]:
    return {"@timestamp": _ago(ago_secs),
            "event.action": "api.request", "service.name": "shop-api",
            "http.request.method": "POST", "http.route": "/api/auth/login",
            "http.response.status_code": 401, "http.duration_ms": 12.5,
            "client.ip": "10.9.8.7"}  # fmt: skip


def ingest(api: httpx.Client, events: list[dict[str, Any]]) -> None:
    total = api.get("/api/v1/search", params={"size": 0}).json()["total"]
    assert api.post("/api/v1/events", json=events).json()["accepted"] == len(events)
    deadline = time.monotonic() + 20
    while api.get("/api/v1/search", params={"size": 0}).json()["total"] < total + len(events):
        assert time.monotonic() < deadline, "the processor did not store the events"
        time.sleep(0.05)


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    """A served logyard without its own alerting service (analyze is the one under test)."""
    monkeypatch.setenv("LOGYARD_ALERT_RULES", "off")
    with serve(create_app(tmp_path / "data", admin_token=ADMIN), ADMIN) as client:
        yield client


@pytest.fixture
def hook() -> Iterator[HttpReceiver]:
    with http_receiver() as receiver:
        yield receiver


def test_analyze_once_over_http_alerts_once(
    api: httpx.Client, hook: HttpReceiver, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FATAL (search) and three failed logins from one IP (terms aggregation) fetched
    through the API give two notifications; the next cycle sends nothing again."""
    ingest(api, [fatal(120, "printer-07 halted"), login(120), login(119), login(118)])
    args = ["analyze", "--rules", str(rules_file(tmp_path, hook.url)), "--url", str(api.base_url),
            "--token", ADMIN, "--state", str(tmp_path / "a.db"), "--once"]  # fmt: skip
    assert main(args) == 0
    assert capsys.readouterr().out.endswith(
        "2 alert(s) opened, 0 resolved, 2 notification(s) sent, 0 failed\n"
    )
    assert main(args) == 0
    assert " 0 alert(s) opened" in capsys.readouterr().out
    assert sorted((b["rule"], b["group"]) for b in hook.bodies())[1] == (
        "logins",
        "10.9.8.0",
    )  # masked by ingest
    assert len(hook.bodies()) == 2


def test_analyze_with_a_wrong_token_is_a_config_error(
    api: httpx.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token the server does not know: every rule fails with the reason, exit 1."""
    rules = rules_file(tmp_path, "http://127.0.0.1:9/x")
    args = ["analyze", "--rules", str(rules), "--url", str(api.base_url), "--token", "wrong",
            "--state", str(tmp_path / "a.db"), "--once"]  # fmt: skip
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("authorization: unknown token") == 2


def _analyzer(rules: Path, url: str, state: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "logyard"), "analyze", "--rules", str(rules),
               "--url", url, "--state", str(state)]  # fmt: skip
    env = {**os.environ, "LOGYARD_TOKEN": ADMIN}
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait(what: str, check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_sigkill_between_evaluations_loses_nothing_and_repeats_nothing(
    api: httpx.Client, hook: HttpReceiver, tmp_path: Path
) -> None:
    """analyze notifies a FATAL, is killed with SIGKILL; a FATAL logged while it is down is
    notified after the restart, and the first one is not sent again."""
    rules = rules_file(tmp_path, hook.url, every="1s", window="1m")
    state, log = tmp_path / "a.db", tmp_path / "analyze.log"
    first = _analyzer(rules, str(api.base_url), state, log)
    try:
        ingest(api, [fatal(1, "first failure")])
        _wait("the first notification", lambda: len(hook.bodies()) == 1)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    ingest(api, [fatal(1, "second failure")])
    time.sleep(1.5)  # the windows of the second failure end while nothing runs
    second = _analyzer(rules, str(api.base_url), state, log)
    try:
        _wait("the second notification", lambda: len(hook.bodies()) >= 2)
        time.sleep(1.0)  # several more cycles, re-checks included
    finally:
        second.terminate()
        second.wait(10)
    summaries = [b["summary"].rsplit(": ", 1)[1] for b in hook.bodies()]
    assert summaries == ["first failure", "second failure"], log.read_text()


def test_cli_alerts_over_the_api(api: httpx.Client, capsys: pytest.CaptureFixture[str]) -> None:
    """`logyard alerts silence/silences/unsilence/list/history --url` against a served
    logyard: the silence is the admin's, removing it twice is an error the second time."""
    url = ["--url", str(api.base_url), "--token", ADMIN]
    assert main(["alerts", "silence", "api-*", "--for", "2h", "--comment", "deploy", *url]) == 0
    assert "api-* [*] until " in capsys.readouterr().out
    assert main(["alerts", "silences", "--json", *url]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert '"created_by": "admin"' in line
    assert main(["alerts", "unsilence", "1", *url]) == 0
    assert main(["alerts", "unsilence", "1", *url]) == 1
    assert "HTTP 404: silence 1: no such active silence" in capsys.readouterr().err
    assert main(["alerts", "list", "--all", *url]) == 0
    assert capsys.readouterr().err == "0 alert(s)\n"
    assert main(["alerts", "history", *url]) == 0
    kinds = [line.split()[1] for line in capsys.readouterr().out.splitlines()]
    assert kinds == ["silence_removed", "silence_added"]
