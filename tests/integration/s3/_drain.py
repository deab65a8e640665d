"""Reading helpers shared by the S3 tests."""

from __future__ import annotations

from logyard.pipeline.inputs import Input, InputBatch, Message

__all__ = ["coordinates", "drain"]


def drain(source: Input, *, max_messages: int = 1000, ack: bool = True) -> list[Message]:
    """Poll until a batch comes back empty; acknowledge each batch unless ``ack`` is false."""
    out: list[Message] = []
    while True:
        batch: InputBatch = source.poll(max_messages, 0.05)
        if not batch.messages:
            return out
        out.extend(batch.messages)
        if ack:
            source.ack(batch)


def coordinates(messages: list[Message]) -> list[str]:
    """The coordinates of ``messages``, in order."""
    return [m.coordinates for m in messages]
