"""Retention end to end with real `logyard` processes: old events → `retention run` → gone
from search → `restore` → searchable again → `verify` intact; and the daily run inside
`logyard up`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.e2e._server import TOKEN, LogyardProcess

OLD = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=200)


def logyard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logyard.cli._main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, **(env or {})),
    )


def events(ts: datetime, prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {"@timestamp": (ts + timedelta(seconds=i)).isoformat(), "event.id": str(uuid.uuid4()),
         "event.action": "order.assigned", "service.name": "mes", "user.name": "ivanova",
         "order.id": f"{prefix}-{i}", "order.operator": "petrov"}
        for i in range(n)
    ]  # fmt: skip


def ingest(data: Path, batches: list[list[dict[str, Any]]]) -> None:
    """Store the batches through a `logyard up` with retention off, then stop it."""
    server = LogyardProcess(data)
    server.start()
    try:
        for batch in batches:
            server.request("POST", "/api/v1/events", batch)
        server.wait_drained()
    finally:
        assert server.stop() == 0


def search_orders(data: Path, query: str) -> list[str]:
    """`logyard search --json` against a fresh `logyard up` of ``data``: the order ids."""
    server = LogyardProcess(data)
    server.start()
    try:
        found = logyard("search", query, "--url", server.url, "--token", TOKEN, "--json",
                        "--from", "now-400d", "--size", "1000")  # fmt: skip
    finally:
        server.stop()
    assert found.returncode == 0, found.stderr
    return sorted(json.loads(line)["order.id"] for line in found.stdout.splitlines())


@pytest.fixture(autouse=True)
def _no_scheduled_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGYARD_RETENTION_ENABLED", "false")


def test_archive_search_restore_verify(tmp_path: Path) -> None:
    """Events 200 days old are archived and deleted (recent ones stay), restore brings them
    back to search, and verify reports the chain intact at each step."""
    data, archive = tmp_path / "data", tmp_path / "archive"
    ingest(data, [events(OLD, "OLD", 5) + events(datetime.now(UTC) - timedelta(hours=1),
                                                  "NEW", 3)])  # fmt: skip
    run = logyard("retention", "run", "--data-dir", str(data), "--to", str(archive))
    verify_after_run = logyard("verify", "--data-dir", str(data))
    after_run = search_orders(data, "service.name:mes")
    day = OLD.date().isoformat()
    restore = logyard("restore", "--system", "mes", "--from", day, "--to", day,
                      "--from-archive", str(archive), "--data-dir", str(data))  # fmt: skip
    after_restore = search_orders(data, "service.name:mes")
    verify_after_restore = logyard("verify", "--data-dir", str(data))
    expected = (
        (0, "retention: archived 1 partition(s), deleted 5 event(s); archive: "
            f"{archive}\n"),
        0,
        ["NEW-0", "NEW-1", "NEW-2"],
        (0, "restore: 1 part(s) of mes (1 day(s)), 5 of 5 event(s) inserted; held from "
            "retention for 30 day(s)\n"),
        ["NEW-0", "NEW-1", "NEW-2", "OLD-0", "OLD-1", "OLD-2", "OLD-3", "OLD-4"],
        (0, True),
    )  # fmt: skip
    assert expected == (
        (run.returncode, run.stdout),
        verify_after_run.returncode,
        after_run,
        (restore.returncode, restore.stdout),
        after_restore,
        (verify_after_restore.returncode, verify_after_restore.stdout.startswith("crm: intact")
         and "INTACT" in verify_after_restore.stdout),
    )  # fmt: skip


def test_retention_run_on_a_running_data_dir_is_refused(tmp_path: Path) -> None:
    """While `logyard up` holds the store, `retention run` exits 1 and says to stop it."""
    data = tmp_path / "data"
    server = LogyardProcess(data)
    server.start()
    try:
        run = logyard("retention", "run", "--data-dir", str(data))
    finally:
        server.stop()
    expected = (1, True)
    assert expected == (run.returncode, "stop `logyard up` on this data dir first" in run.stderr)


def test_up_runs_retention_on_its_schedule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``LOGYARD_RETENTION_START_DELAY_SECS=0`` the service inside `logyard up` archives
    the old day into ``LOGYARD_RETENTION_TO`` and the API no longer finds it."""
    data, archive = tmp_path / "data", tmp_path / "archive"
    ingest(data, [events(OLD, "OLD", 4)])
    monkeypatch.setenv("LOGYARD_RETENTION_ENABLED", "true")
    monkeypatch.setenv("LOGYARD_RETENTION_START_DELAY_SECS", "0")
    monkeypatch.setenv("LOGYARD_RETENTION_TO", str(archive))
    server = LogyardProcess(data)
    server.start()
    try:
        deadline = time.monotonic() + 60
        total = -1
        while time.monotonic() < deadline:
            answer = server.request("GET", "/api/v1/search?q=service.name:mes&from=now-400d")
            total = answer["total"]
            if total == 0:
                break
            time.sleep(0.1)
    finally:
        server.stop()
    expected = (1, 0)
    assert expected == (len(list(archive.rglob("*.manifest.json"))), total)


def test_a_run_killed_mid_way_is_completed_by_the_next(tmp_path: Path) -> None:
    """`retention run` is killed (SIGKILL) while it works on its second partition; the next
    run completes: every old event is in the archive exactly once or still in the store,
    none is lost, the chain verifies, and a restore brings all of them back."""
    import duckdb
    from tests.unit.retention._data import day_events, open_store

    data, archive = tmp_path / "data", tmp_path / "archive"
    data.mkdir()
    days = [OLD.date() - timedelta(days=d) for d in range(5)]
    old = [day_events("mes", day, 2000) for day in days]
    open_store(data / "logs.duckdb", old).close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "logyard.cli._main", "retention", "run", "--data-dir", str(data),
         "--to", str(archive)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if "[1/5]" in line:
            break
    proc.kill()
    proc.wait(30)
    proc.stderr.close()
    again = logyard("retention", "run", "--data-dir", str(data), "--to", str(archive))
    with duckdb.connect() as db:
        archived = db.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM read_parquet(?)",
            [str(archive / "**" / "*.parquet")],
        ).fetchone()
    verified = logyard("verify", "--data-dir", str(data))
    first, last = min(days).isoformat(), max(days).isoformat()
    restore = logyard("restore", "--system", "mes", "--from", first, "--to", last,
                      "--from-archive", str(archive), "--data-dir", str(data))  # fmt: skip
    expected = (0, (10_000, 10_000), 0, 0, True)
    assert expected == (
        again.returncode,
        archived,
        verified.returncode,
        restore.returncode,
        "10000 of 10000 event(s) inserted" in restore.stdout,
    )
