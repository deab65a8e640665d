"""kill -9 of `logyard up` during ingest loses no acknowledged event and duplicates none."""

from __future__ import annotations

import http.client
import random
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.e2e._server import LogyardProcess

pytestmark = pytest.mark.slow


def make_batch(n: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC).isoformat()
    return [
        {
            "@timestamp": now,
            "event.id": str(uuid.uuid4()),
            "event.action": "order.assigned",
            "service.name": "mes",
            "user.name": "ivanova",
            "order.id": f"ORD-{random.randrange(10**6)}",
            "order.operator": "petrov",
        }
        for _ in range(n)
    ]


def all_ids(server: LogyardProcess) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = server.request(
            "GET",
            "/api/v1/search?size=10000&from=now-1d" + (f"&search_after={cursor}" if cursor else ""),
        )
        ids += [hit["event.id"] for hit in page["hits"]]
        cursor = page["next"]
        if not page["hits"] or cursor is None:
            return ids


def test_kill_9_during_ingest_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """Five SIGKILLs at random moments under load: the store holds exactly the acked set.

    The producer re-sends the batch that was in flight at each kill (as the SDK does), so
    in the end every sent event has been acknowledged once; the store must hold each of
    them exactly once.
    """
    rng = random.Random(7)
    server = LogyardProcess(tmp_path / "data")
    acked: set[str] = set()
    pending: list[dict[str, Any]] | None = None
    resent = 0
    problems: list[dict[str, Any]] = []
    for _cycle in range(5):
        server.start()
        stop = threading.Event()

        def produce(stop: threading.Event = stop) -> None:
            nonlocal pending, resent
            while not stop.is_set():
                if pending is None:
                    pending = make_batch(200)
                else:
                    resent += 1
                try:
                    answer = server.request("POST", "/api/v1/events", pending, timeout=5)
                except (OSError, http.client.HTTPException, ValueError):
                    # killed mid-request (refused, reset, cut-off answer): not acknowledged,
                    # so keep `pending` to re-send after the restart
                    return
                if answer["rejected"]:
                    problems.append(answer)
                acked.update(e["event.id"] for e in pending)
                pending = None

        producer = threading.Thread(target=produce)
        producer.start()
        threading.Event().wait(rng.uniform(0.3, 1.5))
        server.kill()
        stop.set()
        producer.join(10)
    server.start()
    if pending is not None:
        server.request("POST", "/api/v1/events", pending)
        acked.update(e["event.id"] for e in pending)
    server.wait_drained()
    stored = all_ids(server)
    server.stop()
    assert problems == [], "the server rejected valid events"
    print(f"acked={len(acked)} stored={len(stored)} unique={len(set(stored))} resent={resent}")
    assert len(acked) > 1000
    assert len(stored) == len(set(stored)), "duplicates in the store"
    assert set(stored) == acked, (
        f"lost={len(acked - set(stored))} unexpected={len(set(stored) - acked)}"
    )
