"""The store's own records as documents: dead letters (and those of events the cluster
refused), read back into :class:`DeadLetter`."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import msgspec

from logyard.store._base import index_name
from logyard.store._dates import parse_datetime
from logyard.store._model import DeadLetter
from logyard.store.opensearch._bulk import BulkDoc
from logyard.store.opensearch._mapping import DEAD_LETTERS_INDEX

__all__ = ["letter_doc", "letter_from_source", "refused_letter"]

_ENCODE = msgspec.json.encode


def letter_doc(letter: DeadLetter) -> BulkDoc:
    received = letter.received_at
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    source = {
        "id": letter.id,
        "received_at": received.astimezone(UTC).isoformat(),
        "source": letter.source,
        "reason_code": letter.reason_code,
        "reason": letter.reason,
        "raw": base64.b64encode(letter.raw).decode(),
        "path": letter.path,
        "step": letter.step,
        "component": letter.component,
        "service": letter.service,
        "action": letter.action,
    }
    return BulkDoc(DEAD_LETTERS_INDEX, letter.id, _ENCODE(source))


def letter_from_source(source: dict[str, Any]) -> DeadLetter:
    return DeadLetter(
        id=source["id"],
        received_at=parse_datetime(source["received_at"], "received_at"),
        source=source["source"],
        reason_code=source["reason_code"],
        reason=source["reason"],
        raw=base64.b64decode(source["raw"]),
        path=source.get("path"),
        step=source.get("step"),
        component=source.get("component"),
        service=source.get("service"),
        action=source.get("action"),
    )


def refused_letter(doc: BulkDoc, status: int, why: str) -> DeadLetter:
    """The dead letter of an event the cluster refused (``mapping_conflict`` for a 400)."""
    system = doc.index[len(index_name("")) :]
    action = None
    try:
        found = msgspec.json.decode(doc.source)
        action = found.get("event.action") if isinstance(found, dict) else None
    except msgspec.DecodeError:
        pass
    code = "mapping_conflict" if "mapper" in why or "parse" in why else "store_rejected"
    return DeadLetter(
        id=f"store:{system}:{doc.id}",
        received_at=datetime.now(UTC),
        source="store",
        reason_code=code,
        reason=f"{doc.index}: HTTP {status} {why}; fix the event or the index mapping, "
        "then replay it",
        raw=doc.source,
        step="store",
        component="opensearch",
        service=system,
        action=action if isinstance(action, str) else None,
    )
