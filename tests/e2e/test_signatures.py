"""Producer signatures at ingest: a service configured to sign is quarantined when it
sends unsigned or forged events; signed ones and other services' events pass."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from logyard.api import create_app
from logyard.security.chain import ServiceKey, attach_signature

TOKEN = "sig-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SECRET = b"mes-signing-key-0123456789abcdef"


def test_signed_unsigned_forged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With LOGYARD_SIGNING_KEYS_MES set: signed mes events are accepted, unsigned and
    forged ones are dead letters with signature_* codes, crm (no key) may stay unsigned."""
    monkeypatch.setenv("LOGYARD_SIGNING_KEYS_MES", "k1:" + base64.b64encode(SECRET).decode())
    key = ServiceKey("k1", SECRET)
    now = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()

    def started(service: str, n: int) -> dict[str, object]:
        return {"@timestamp": now, "event.id": f"{service}-{n}",
                "event.action": "service.started", "service.name": service}  # fmt: skip

    signed = attach_signature(json.dumps(started("mes", 1)).encode(), key)
    forged = json.loads(attach_signature(json.dumps(started("mes", 2)).encode(), key))
    forged["host.name"] = "tampered-after-signing"
    body = b"\n".join(
        [
            signed,
            json.dumps(started("mes", 3)).encode(),
            json.dumps(forged).encode(),
            json.dumps(started("crm", 4)).encode(),
        ]
    )
    with TestClient(create_app(tmp_path / "d", admin_token=TOKEN)) as client:
        answer = client.post("/api/v1/events", content=body, headers=AUTH).json()
    codes = [i.get("code", i["status"]) for i in answer["items"]]
    assert codes == ["accepted", "signature_unsigned", "signature_forged", "accepted"]


def test_sdk_signs_what_it_sends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EventLogger(signing_key=...) signs on its delivery thread: the server, which requires
    mes to sign, accepts the events; the same logger without a key is refused."""
    from logyard.sdk import EventLogger

    monkeypatch.setenv("LOGYARD_SIGNING_KEYS_MES", "k1:" + base64.b64encode(SECRET).decode())
    from logyard.api import Runtime

    runtime = Runtime(tmp_path / "d")
    runtime.start()
    try:
        signed = EventLogger(
            "mes", transport=runtime.transport(), signing_key=ServiceKey("k1", SECRET)
        )
        signed.order_assigned(order_id="ORD-S", operator="petrov", actor="ivanova")
        assert signed.flush(10)
        signed.close()
        plain = EventLogger("mes", transport=runtime.transport())
        plain.order_assigned(order_id="ORD-U", operator="petrov", actor="ivanova")
        plain.flush(10)
        plain.close()
        assert plain.stats().invalid == {"signature_unsigned": 1}
        assert signed.stats().invalid == {}
    finally:
        runtime.stop()
