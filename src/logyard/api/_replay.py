"""Replay of dead letters after a fix (``logyard dlq replay``)."""

from __future__ import annotations

from typing import Any

from logyard.api._runtime import Runtime
from logyard.catalog import EventCodec, encode_event
from logyard.errors import EventError
from logyard.pipeline.inputs import derived_id

__all__ = ["replay"]


def replay(rt: Runtime, ids: list[str] | None, reason: str | None, limit: int) -> dict[str, Any]:
    """Re-validate dead letters; ingest and remove those that pass now.

    An event that had no id gets one derived from its dead letter's id, so replaying the
    same letter twice (a crash in between) stores it once.
    """
    if ids is not None:
        letters = rt.store.dead_letters_by_id(ids)
    else:
        letters = rt.store.dead_letters(limit=limit, reason_code=reason)
    codec = EventCodec()
    passed: list[bytes] = []
    replayed: list[str] = []
    failing: list[dict[str, Any]] = []
    for letter in letters:
        try:
            event = codec.decode(letter.raw, derived_id(f"dlq:{letter.id}"))
        except EventError as exc:
            failing.append({"id": letter.id, "code": exc.code, "reason": str(exc)})
            continue
        passed.append(encode_event(event))
        replayed.append(letter.id)
    if passed:
        rt.ingest.submit_raw(passed, source="dlq-replay")  # durable before the letters go
        rt.store.delete_dead_letters(replayed)
    return {"replayed": len(replayed), "still_failing": failing}
