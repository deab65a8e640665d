"""Field encryption end to end: masked originals are sealed at ingest, only the auditor
opens them (each opening audited), Support_Logs never sees an envelope, forget erases."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from logyard.api import create_app
from logyard.security.access import AccessBook
from logyard.security.crypto import forget_command

ADMIN = "enc-admin-token"


def test_auditor_decrypts_support_cannot_and_forget_erases(tmp_path: Path) -> None:
    """An order with the customer's email and phone in its params: search shows them
    masked to everyone; the auditor gets the originals (and the audit log records it, with
    field names only); Support_Logs gets 403 and no response of theirs holds an envelope;
    after `logyard forget`, the originals are reported forgotten while the event stays."""
    data = tmp_path / "data"
    app = create_app(data, admin_token=ADMIN)
    with TestClient(app) as client:
        book = AccessBook(data)
        book.add_user("aud", "auditor", "correct horse battery")
        book.add_user("sam", "Support_Logs", "correct horse battery")
        auditor = {
            "Authorization": "Bearer " + book.create_token(name="a", role="auditor", user="aud")
        }
        support = {
            "Authorization": "Bearer "
            + book.create_token(name="s", role="Support_Logs", user="sam")
        }
        admin = {"Authorization": f"Bearer {ADMIN}"}
        event = {
            "@timestamp": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
            "event.id": "order-1", "event.action": "order.created",
            "service.name": "internet-shop", "user.name": "customer-42", "order.id": "ORD-1",
            "order.params": {"email": "ivan.petrov@mail.ru", "phone": "+7 (916) 123-45-67"},
        }  # fmt: skip
        assert client.post("/api/v1/events", json=[event], headers=admin).json()["accepted"] == 1
        deadline = time.monotonic() + 10
        while client.get("/api/v1/search", headers=support).json()["total"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        seen = client.get("/api/v1/search", headers=support).text
        assert "ivan.petrov" not in seen
        assert '"ct"' not in seen  # no envelope in what Support_Logs can read
        assert client.get("/api/v1/events/order-1/originals", headers=support).status_code == 403
        opened = client.get("/api/v1/events/order-1/originals", headers=auditor).json()
        values = {o["field"]: o.get("value") for o in opened["originals"]}
        assert "ivan.petrov@mail.ru" in values.values()
        assert "+7 (916) 123-45-67" in values.values()
        entries = client.get("/api/v1/audit", headers=admin).json()["entries"]
        assert [(e["who"], e["action"], e["event_id"]) for e in entries] == [
            ("aud", "decrypt", "order-1")
        ]
        assert "ivan.petrov" not in str(entries)
    assert forget_command(data, "customer-42", kind="user") == 0
    with TestClient(create_app(data)) as client:
        opened = client.get("/api/v1/events/order-1/originals", headers=auditor).json()
        assert all(o.get("forgotten") for o in opened["originals"])
        assert client.get("/api/v1/search", headers=support).json()["total"] == 1
