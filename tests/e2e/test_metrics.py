"""Metrics end to end: ``logyard up --demo`` → facts appear → ``logyard metrics`` answers;
``logyard analytics rebuild`` recomputes the same facts; the API's roles and errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.e2e._server import TOKEN, LogyardProcess

from logyard.analytics.metrics import METRICS
from logyard.api import create_app
from logyard.catalog import UserLoggedIn, encode_event
from logyard.security.access import AccessBook

LOGYARD = Path(sys.executable).with_name("logyard")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """os.environ without LOGYARD_* and with a throwaway XDG_DATA_HOME."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LOGYARD_")}
    clean["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return clean


def logyard(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LOGYARD), *args], env=env, capture_output=True, text=True, timeout=120
    )


def at(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def test_up_demo_feeds_metrics_and_rebuild_agrees(tmp_path: Path, env: dict[str, str]) -> None:
    """With the simulator running, facts appear and `logyard metrics --json` answers every
    metric; a rebuild while up runs is refused; after stopping, `analytics rebuild`
    recomputes facts whose metrics equal those built incrementally."""
    data = tmp_path / "data"
    server = LogyardProcess(data, demo=True)
    server.start()
    try:
        started = datetime.now(UTC) - timedelta(minutes=1)
        deadline = time.monotonic() + 90
        rps: dict[str, Any] = {"empty": True}
        while time.monotonic() < deadline:
            rps = server.request("GET", f"/api/v1/metrics/rps?from={at(started)}")
            if not rps["empty"] and rps["count"] > 1000:
                break
            time.sleep(0.5)
        assert (rps["empty"], rps["name"]) == (False, "rps")
        answer = logyard("metrics", "--json", "--url", server.url, "--token", TOKEN, env=env)
        assert (answer.returncode, answer.stderr) == (0, "")
        names = [m["name"] for m in json.loads(answer.stdout)["metrics"]]
        assert list(METRICS) == names
        refused = logyard("analytics", "rebuild", "--data-dir", str(data), env=env)
        assert (refused.returncode, refused.stderr[:16]) == (2, "Error: data dir ")
        assert "logyard up is running on it" in refused.stderr
    finally:
        assert server.stop() == 0
    window = ["--from", at(started - timedelta(minutes=1)), "--to", at(datetime.now(UTC))]
    restarted = LogyardProcess(data)  # folds in what the processor drained at shutdown
    restarted.start()
    try:
        deadline = time.monotonic() + 60
        while restarted.request("GET", "/api/v1/metrics/dau")["facts_behind"]:
            assert time.monotonic() < deadline, "the facts did not catch up in 60 s"
            time.sleep(0.2)
    finally:
        assert restarted.stop() == 0
    incremental = logyard("metrics", "--json", "--data-dir", str(data), *window, env=env)
    rebuilt = logyard("analytics", "rebuild", "--data-dir", str(data), env=env)
    assert (rebuilt.returncode, rebuilt.stdout[:24]) == (0, "analytics: rebuilt from ")
    again = logyard("metrics", "--json", "--data-dir", str(data), *window, env=env)
    first = json.loads(incremental.stdout)["metrics"]
    assert {m["name"]: m["value"] for m in first} == {
        m["name"]: m["value"] for m in json.loads(again.stdout)["metrics"]
    }
    by_name = {m["name"]: m for m in first}
    assert [by_name[n]["empty"] for n in ("rps", "latency", "dau")] == [False, False, False]


def test_metrics_text_and_usage_errors(tmp_path: Path, env: dict[str, str]) -> None:
    """Text output names the metric and its unit; an unknown metric or a bad time is a usage
    error (exit 2) on stderr."""
    data = tmp_path / "data"
    data.mkdir()
    from logyard.analytics import Analyzer
    from logyard.store import WriteBatch
    from logyard.store.duckdb import DuckDBStore

    store = DuckDBStore(data / "logs.duckdb")
    now = datetime.now(UTC) - timedelta(minutes=5)
    store.write(WriteBatch(events=[UserLoggedIn(timestamp=now, event_id="e1", service="crm",
                                                user_name="anna")]))  # fmt: skip
    Analyzer(store).catch_up()
    store.close()
    text = logyard("metrics", "mau", "--data-dir", str(data), env=env)
    unknown = logyard("metrics", "nope", "--data-dir", str(data), env=env)
    bad_time = logyard("metrics", "--from", "yesterday", "--data-dir", str(data), env=env)
    assert (text.returncode, *text.stdout.split()[:3]) == (0, "mau", "1.00", "users")
    assert (
        unknown.returncode,
        unknown.stderr.split(";")[0],
    ) == (2, "Error: NAME: unknown metric 'nope'")
    assert (
        bad_time.returncode,
        bad_time.stderr.split(";")[0],
    ) == (2, "Error: --from: cannot read 'yesterday' as a time")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    data = tmp_path_factory.mktemp("metrics-api")
    with TestClient(create_app(data, admin_token="metrics-admin")) as client:
        book = AccessBook(data)
        book.add_user("sam", "Support_Logs", "correct horse battery")
        tokens = {
            "Support_Logs": book.create_token(name="t", role="Support_Logs", user="sam"),
            "ingest": book.create_token(name="p", role="ingest"),
        }
        event = UserLoggedIn(
            timestamp=datetime.now(UTC), event_id="api-e1", service="crm", user_name="anna"
        )
        client.post(
            "/api/v1/events",
            content=encode_event(event),
            headers={"Authorization": "Bearer metrics-admin"},
        )
        yield client, tokens


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("Support_Logs", "/api/v1/metrics", 200),
        ("Support_Logs", "/api/v1/metrics/dau?system=crm", 200),
        ("ingest", "/api/v1/metrics", 403),
        ("ingest", "/api/v1/metrics/dau", 403),
        ("Support_Logs", "/api/v1/metrics/nope", 404),
        ("Support_Logs", "/api/v1/metrics/dau?from=yesterday", 400),
        ("Support_Logs", "/api/v1/metrics/dau?system=erp", 400),
    ],
)
def test_metrics_api_roles_and_errors(
    api: tuple[TestClient, dict[str, str]], role: str, path: str, status: int
) -> None:
    """Support_Logs reads metrics, an ingest token may not; bad names, times and systems are
    problem documents."""
    client, tokens = api
    answer = client.get(path, headers={"Authorization": f"Bearer {tokens[role]}"})
    assert status == answer.status_code, answer.text


def test_metrics_api_answers_the_stored_login(api: tuple[TestClient, dict[str, str]]) -> None:
    """The login posted to the app becomes a fact: MAU of crm is 1."""
    client, tokens = api
    deadline = time.monotonic() + 30
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = client.get(
            "/api/v1/metrics/mau?system=crm",
            headers={"Authorization": f"Bearer {tokens['Support_Logs']}"},
        ).json()
        if not body["empty"]:
            break
        time.sleep(0.2)
    assert (body["value"], body["systems"]) == (1.0, ["crm"])
