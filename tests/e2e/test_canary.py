"""Canary: card numbers sent in every way reach no byte that logyard writes or answers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from logyard.api import create_app

TOKEN = "canary-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# Luhn-valid numbers of several issuers: Visa, Mastercard (2-series), Mir, Amex
PANS = ["4276380012345679", "2221000000000009", "2200123456789019", "378282246310005"]


def test_pans_never_reach_the_queue_the_store_the_dlq_or_any_answer(tmp_path: Path) -> None:
    """Valid events with PANS in free text, params and labels, and a rejected event with a
    PAN, go through ingest → queue → processor → store → DLQ → API: the digits of each PAN
    appear in no queue file, no stored row, no dead letter and no API or metrics answer."""
    data = tmp_path / "data"
    app = create_app(data, admin_token=TOKEN)
    now = (datetime.now(UTC) - timedelta(seconds=2)).isoformat()
    with TestClient(app) as client:
        events = []
        for n, pan in enumerate(PANS):
            spaced = " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))
            events.append(
                {"@timestamp": now, "event.action": "order.created", "service.name": "crm",
                 "user.name": "seller", "order.id": f"ORD-{n}",
                 "order.params": {"comment": f"оплачу картой {spaced}", "card": pan},
                 "message": f"card {pan} used", "labels": {"note": f"pan={pan}"}}
            )  # fmt: skip
        events.append({"event.action": "order.teleported", "message": f"card {PANS[0]}"})
        answer = client.post("/api/v1/events", json=events, headers=AUTH).json()
        assert answer["accepted"] == len(PANS)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            hits = client.get("/api/v1/search", params={"q": "service.name:crm"}, headers=AUTH)
            if hits.json()["total"] >= len(PANS):
                break
            time.sleep(0.05)
        answers = [
            hits.text,
            client.get("/api/v1/dlq", headers=AUTH).text,
            client.get("/metrics").text,
            json.dumps(answer),
        ]
        runtime = app.state.runtime
        rows = (
            runtime.store._db.cursor()
            .execute(
                "SELECT string_agg(doc, '') FROM logs UNION ALL "
                "SELECT string_agg(CAST(raw AS VARCHAR), '') FROM dead_letters"
            )
            .fetchall()
        )
        stored = "".join(r[0] or "" for r in rows)
    queue = b"".join(p.read_bytes() for p in (data / "queue").glob("*.wal"))
    assert "4276 38** **** 5679" in hits.text  # masked, first 6 + last 4
    for pan in PANS:
        for where, text in [("answers", "".join(answers)), ("store", stored)]:
            assert pan not in text.replace(" ", "").replace("-", ""), f"{pan} in {where}"
        assert pan.encode() not in queue.replace(b" ", b""), f"{pan} in the queue"
