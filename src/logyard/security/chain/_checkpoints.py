"""Signed checkpoints: a system's chain position and hash at a time, signed with Ed25519.

A checkpoint says "at ``at``, the chain of ``system`` ended at ``seq`` with ``hash``". Periodic
checkpoints are written every N events or T seconds; when a system is idle, **heartbeats**
repeat the same ``seq`` and ``hash`` with a newer time, so a verifier that sees the newest
checkpoint long ago knows the tail (events and checkpoints) may have been cut off.

The signed message is the UTF-8 text::

    logyard-chain-checkpoint/1\\n<system>\\n<seq>\\n<hash hex>\\n<at, ISO 8601 UTC, µs>\\n<kind>
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from logyard.security.chain._keys import CheckpointSigner
from logyard.security.chain._links import CHECKPOINTS_TABLE

__all__ = [
    "Checkpoint",
    "CheckpointKind",
    "checkpoint_message",
    "naive_utc",
    "read_checkpoints",
]

CheckpointKind = Literal["periodic", "heartbeat"]


def naive_utc(at: datetime) -> datetime:
    """``at`` in UTC without a zone, as the chain's tables store times (naive = UTC)."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo is not None else at


def checkpoint_message(system: str, seq: int, hash_: bytes, at: datetime, kind: str) -> bytes:
    """The bytes a checkpoint's signature covers."""
    stamp = naive_utc(at).isoformat(timespec="microseconds")
    return f"logyard-chain-checkpoint/1\n{system}\n{seq}\n{hash_.hex()}\n{stamp}Z\n{kind}".encode()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One signed checkpoint (``at`` is naive UTC, as the table stores it)."""

    system: str
    seq: int
    hash: bytes
    at: datetime
    kind: str
    key_id: str
    signature: bytes

    @classmethod
    def make(
        cls,
        signer: CheckpointSigner,
        system: str,
        seq: int,
        hash_: bytes,
        at: datetime,
        kind: CheckpointKind,
    ) -> Checkpoint:
        """A checkpoint signed by ``signer``."""
        at = naive_utc(at)
        signature = signer.sign(checkpoint_message(system, seq, hash_, at, kind))
        return cls(system, seq, hash_, at, kind, signer.key_id, signature)

    def message(self) -> bytes:
        """What the signature covers."""
        return checkpoint_message(self.system, self.seq, self.hash, self.at, self.kind)

    def row(self) -> tuple[Any, ...]:
        """The ``chain_checkpoints`` row."""
        return (
            self.system,
            self.seq,
            self.hash,
            self.at,
            self.kind,
            self.key_id,
            self.signature,
        )

    def insert(self, cur: Any) -> None:
        """Write the checkpoint with ``cur`` (inside the caller's transaction)."""
        cur.execute(f"INSERT INTO {CHECKPOINTS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)", self.row())


def read_checkpoints(cur: Any, system: str) -> list[Checkpoint]:
    """A system's checkpoints, by seq then time."""
    rows = cur.execute(
        f"SELECT system, seq, hash, signed_at, kind, key_id, signature FROM {CHECKPOINTS_TABLE} "
        "WHERE system = ? ORDER BY seq, signed_at",
        [system],
    ).fetchall()
    return [Checkpoint(r[0], int(r[1]), bytes(r[2]), r[3], r[4], r[5], bytes(r[6])) for r in rows]
