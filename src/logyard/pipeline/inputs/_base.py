"""The input contract (Vector's delivery rule): an input hands out batches and is
acknowledged only after the store has durably written them.

::

    batch = source.poll(max_messages=5000, timeout_secs=0.5)   # may be empty
    ... validate, store (one transaction) ...
    source.ack(batch)          # commit offsets / ack messages / persist the cursor

A crash between the store write and ``ack`` replays the batch; every message carries a
deterministic id (the producer's ``event.id``, else :func:`derived_id` of its source
coordinates), so the replay stores nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from logyard._env import secret_from_env as from_env
from logyard.errors import LogyardError

__all__ = [
    "Input",
    "InputBatch",
    "InputConfig",
    "InputError",
    "Message",
    "derived_id",
    "from_env",
]

_NAMESPACE = uuid.UUID("6f1c3b0e-5d0b-4c52-9a57-4c6f67796172")  # logyard source ids


def derived_id(coordinates: str) -> str:
    """A stable event id from source coordinates (``kafka:logs.mes/0/42``): UUIDv5."""
    return str(uuid.uuid5(_NAMESPACE, coordinates))


class InputError(LogyardError):
    """An input cannot reach or read its system (message names the address)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One item read by an input.

    ``payload`` is the event's JSON (Kafka value, RabbitMQ body, S3 line) or, for inputs that
    map rows to events, ``None`` with ``event`` holding the mapped object. ``coordinates``
    say where it came from (``postgres:crm.orders_audit/1042/3``); they give the id when the
    event has none, and appear in the dead letter when it is rejected.
    """

    coordinates: str
    payload: bytes | None = None
    event: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def default_id(self) -> str:
        """The id of this message's event when the event itself carries none."""
        return derived_id(self.coordinates)


@dataclass(slots=True)
class InputBatch:
    """Messages to process together; ``token`` is the input's own note for :meth:`Input.ack`."""

    messages: list[Message]
    token: Any = None


class InputConfig(BaseModel):
    """Base of every input's settings (pydantic: errors keep their paths).

    Secrets are never written in the file: options ending in ``_env`` name the environment
    variable that holds them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str


@runtime_checkable
class Input(Protocol):
    """What the processor needs from an input."""

    name: str
    config_class: ClassVar[type[InputConfig]]

    def open(self) -> None:
        """Connect; raise :class:`InputError` naming the address if the system is unreachable."""
        ...

    def poll(self, max_messages: int, timeout_secs: float) -> InputBatch:
        """Up to ``max_messages`` messages, waiting at most ``timeout_secs`` (may be empty)."""
        ...

    def ack(self, batch: InputBatch) -> None:
        """The batch is durably stored: commit/ack/persist the position past it."""
        ...

    def close(self) -> None:
        """Release connections (uncommitted batches will be read again by someone)."""
        ...
