"""The hash chain of each system: what a link is, its hash, the tables, and the chain's state.

Link ``seq`` (1, 2, ... per system) of a system's chain is::

    hash[seq] = SHA-256( hash[seq-1] || doc || seq as 8 bytes big-endian )
    hash[0]   = SHA-256( "logyard-chain/1\\n" || system )

where ``doc`` is the stored document's bytes exactly as the store holds them (UTF-8 of the
``doc`` column): the masked, encrypted form, so crypto-shredding (deleting a data key) leaves
every stored byte, and so the chain, unchanged. ``hash[0]`` binds a chain to its system, so
one system's rows cannot be passed off as another's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

__all__ = [
    "ARCHIVED_TABLE",
    "ARCHIVE_RECORDS_TABLE",
    "CHECKPOINTS_TABLE",
    "LINKS_TABLE",
    "ChainState",
    "Link",
    "SystemState",
    "chain_ddl",
    "events_table",
    "genesis",
    "link_hash",
]

LINKS_TABLE = "chain_links"
CHECKPOINTS_TABLE = "chain_checkpoints"
ARCHIVED_TABLE = "chain_archived"
ARCHIVE_RECORDS_TABLE = "chain_archive_records"


def chain_ddl() -> list[str]:
    """Statements that create the chain's two tables (idempotent).

    ``chain_links``: one row per stored event: its system, position, event id, when it was
    chained (UTC) and the chain hash. ``chain_checkpoints``: the signed checkpoints.
    ``chain_archive_records``/``chain_archived``: the signed records of positions whose events
    retention moved to an archive (see :mod:`._archive`).
    """
    return [
        f"""CREATE TABLE IF NOT EXISTS {LINKS_TABLE} (
            system VARCHAR NOT NULL, seq BIGINT NOT NULL, event_id VARCHAR NOT NULL,
            chained_at TIMESTAMP NOT NULL, hash BLOB NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} (
            system VARCHAR NOT NULL, seq BIGINT NOT NULL, hash BLOB NOT NULL,
            signed_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, key_id VARCHAR NOT NULL,
            signature BLOB NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {ARCHIVE_RECORDS_TABLE} (
            record_id VARCHAR NOT NULL, system VARCHAR NOT NULL, day DATE NOT NULL,
            positions BIGINT NOT NULL, digest BLOB NOT NULL, archive_sha256 VARCHAR NOT NULL,
            archived_at TIMESTAMP NOT NULL, key_id VARCHAR NOT NULL, signature BLOB NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {ARCHIVED_TABLE} (
            system VARCHAR NOT NULL, seq BIGINT NOT NULL, record_id VARCHAR NOT NULL)""",
    ]


def events_table(system: str) -> str:
    """The store's table of a system (the rule of ``logyard.store.duckdb``'s ``table_name``)."""
    return "logs_" + system.replace("-", "_")


def genesis(system: str) -> bytes:
    """``hash[0]`` of a system's chain."""
    return hashlib.sha256(b"logyard-chain/1\n" + system.encode()).digest()


def link_hash(prev: bytes, doc: bytes, seq: int) -> bytes:
    """``hash[seq]`` from ``hash[seq-1]`` and the stored document's bytes."""
    return hashlib.sha256(prev + doc + seq.to_bytes(8, "big")).digest()


@dataclass(frozen=True, slots=True)
class Link:
    """One chained event."""

    seq: int
    event_id: str
    hash: bytes


@dataclass(frozen=True, slots=True)
class SystemState:
    """Where a system's chain ends, and its last checkpoint."""

    seq: int
    hash: bytes
    checkpoint_seq: int = 0
    checkpoint_at: datetime | None = None


def _doc_bytes(doc: str | bytes) -> bytes:
    return doc if isinstance(doc, bytes) else doc.encode("utf-8", "surrogatepass")


class ChainState:
    """The end of every system's chain, loaded from the database and kept in memory by the
    one writer. Not thread-safe: the store's write lock serializes its use."""

    def __init__(self, systems: dict[str, SystemState] | None = None) -> None:
        self._systems: dict[str, SystemState] = dict(systems or {})

    def __repr__(self) -> str:
        return f"ChainState({ {s: st.seq for s, st in sorted(self._systems.items())} })"

    @classmethod
    def load(cls, cur: Any) -> ChainState:
        """The state as the database holds it (``cur``: a DuckDB connection or cursor)."""
        rows = cur.execute(
            f"SELECT system, max(seq), arg_max(hash, seq) FROM {LINKS_TABLE} GROUP BY system"
        ).fetchall()
        systems = {s: SystemState(int(seq), bytes(h)) for s, seq, h in rows}
        marks = cur.execute(
            f"SELECT system, max(seq), max(signed_at) FROM {CHECKPOINTS_TABLE} GROUP BY system"
        ).fetchall()
        for system, seq, at in marks:
            base = systems.get(system) or SystemState(0, genesis(system))
            systems[system] = replace(base, checkpoint_seq=int(seq), checkpoint_at=at)
        return cls(systems)

    def get(self, system: str) -> SystemState:
        """A system's state (an empty chain if it has none yet)."""
        state = self._systems.get(system)
        return state if state is not None else SystemState(0, genesis(system))

    def systems(self) -> list[str]:
        """Systems with a chain or a checkpoint."""
        return sorted(self._systems)

    def extend(self, system: str, docs: Iterable[tuple[str, str | bytes]]) -> list[Link]:
        """Chain ``(event_id, stored doc)`` pairs in order; the state moves to the new end."""
        state = self.get(system)
        seq, prev = state.seq, state.hash
        links = []
        for event_id, doc in docs:
            seq += 1
            prev = link_hash(prev, _doc_bytes(doc), seq)
            links.append(Link(seq, event_id, prev))
        if links:
            self._systems[system] = replace(state, seq=seq, hash=prev)
        return links

    def mark(self, system: str, seq: int, at: datetime) -> None:
        """Record that a checkpoint was written."""
        self._systems[system] = replace(self.get(system), checkpoint_seq=seq, checkpoint_at=at)
