"""`logyard verify` on a real data dir: intact after `logyard up` stored events; an edit
made behind logyard's back is found and named."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from tests.e2e._server import LogyardProcess


def verify(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "logyard.cli._main", "verify", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_verify_finds_an_altered_event(tmp_path: Path) -> None:
    """Stored through the API, the chain verifies (exit 0); after one stored document is
    changed directly in the database, verify exits 1 and reports it as altered."""
    data = tmp_path / "data"
    server = LogyardProcess(data)
    server.start()
    now = datetime.now(UTC) - timedelta(seconds=5)
    events = [
        {"@timestamp": now.isoformat(), "event.id": str(uuid.uuid4()),
         "event.action": "order.assigned", "service.name": "mes", "user.name": "ivanova",
         "order.id": f"ORD-{n}", "order.operator": "petrov"}
        for n in range(50)
    ]  # fmt: skip
    server.request("POST", "/api/v1/events", events)
    server.wait_drained()
    assert server.stop() == 0
    ok = verify(data)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    with duckdb.connect(str(data / "logs.duckdb")) as db:
        db.execute(
            "UPDATE logs_mes SET doc = replace(doc, 'petrov', 'sidorov') WHERE order_id = 'ORD-7'"
        )
    bad = verify(data)
    assert bad.returncode == 1
    assert "altered" in bad.stdout
