"""The chain's writer: called inside the store's write transaction, and by a heartbeat timer.

::

    chain = ChainWriter.open(cur, signer)          # once, after the store's schema
    ...
    cur.begin()
    rows = cur.execute("INSERT INTO logs_mes ... RETURNING event_id, doc").fetchall()
    chain.record(cur, "mes", rows)                 # same transaction
    cur.commit()                                   # on failure: cur.rollback(); chain.reload(cur)
    ...
    chain.heartbeat(cur)                           # every few seconds, in its own transaction
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from logyard.security.chain._checkpoints import Checkpoint
from logyard.security.chain._keys import CheckpointSigner
from logyard.security.chain._links import (
    LINKS_TABLE,
    ChainState,
    Link,
    chain_ddl,
)

__all__ = ["ChainWriter"]


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class ChainWriter:
    """Extends each system's chain with the rows a transaction stored, and writes signed
    checkpoints every ``checkpoint_events`` events or ``checkpoint_secs`` seconds, heartbeats
    included (see :meth:`heartbeat`)."""

    def __init__(
        self,
        state: ChainState,
        signer: CheckpointSigner,
        *,
        checkpoint_events: int = 10_000,
        checkpoint_secs: float = 60.0,
        clock: Callable[[], datetime] = _utcnow,
        systems: Iterable[str] = (),
    ) -> None:
        """``systems``: systems that get heartbeats even before their first event (the
        catalogue's), so cutting a whole chain off also shows."""
        self.state = state
        self.systems = tuple(systems)
        self.signer = signer
        self.checkpoint_events = checkpoint_events
        self.checkpoint_every = timedelta(seconds=checkpoint_secs)
        self._clock = clock

    def __repr__(self) -> str:
        return f"ChainWriter({self.state!r}, key_id={self.signer.key_id!r})"

    @classmethod
    def open(cls, cur: Any, signer: CheckpointSigner, **options: Any) -> ChainWriter:
        """Create the chain's tables if needed and load where each chain ends."""
        for statement in chain_ddl():
            cur.execute(statement)
        return cls(ChainState.load(cur), signer, **options)

    def reload(self, cur: Any) -> None:
        """Forget what a rolled-back transaction did: reload the state from the database."""
        self.state = ChainState.load(cur)

    def _now(self, now: datetime | None) -> datetime:
        at = self._clock() if now is None else now
        return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo is not None else at

    def record(
        self,
        cur: Any,
        system: str,
        rows: Sequence[tuple[str, str | bytes]],
        *,
        now: datetime | None = None,
    ) -> list[Link]:
        """Chain the ``(event_id, doc)`` rows just stored for ``system`` (the documents exactly
        as stored) and write a checkpoint when one is due. Call inside the write transaction."""
        at = self._now(now)
        links = self.state.extend(system, rows)
        if links:
            import pyarrow as pa  # an Arrow table binds ~10x faster than list parameters

            staged = pa.table(
                {
                    "seq": pa.array([link.seq for link in links], pa.int64()),
                    "event_id": pa.array([link.event_id for link in links], pa.string()),
                    "hash": pa.array([link.hash for link in links]),
                }
            )
            cur.register("chain_staged", staged)
            try:
                cur.execute(
                    f"INSERT INTO {LINKS_TABLE} SELECT $system, seq, event_id, $at, hash "
                    "FROM chain_staged",
                    {"system": system, "at": at},
                )
            finally:
                cur.unregister("chain_staged")
        state = self.state.get(system)
        due = state.seq - state.checkpoint_seq >= self.checkpoint_events or (
            state.seq > state.checkpoint_seq
            and (state.checkpoint_at is None or at - state.checkpoint_at >= self.checkpoint_every)
        )
        if due:
            self._checkpoint(cur, system, at, "periodic")
        return links

    def heartbeat(self, cur: Any, *, now: datetime | None = None) -> list[Checkpoint]:
        """Write the checkpoints that are due at ``now``: for each system, a periodic one when
        events arrived since the last checkpoint, else a heartbeat (same seq, new time) when the
        last is ``checkpoint_secs`` old. Call every few seconds, in its own transaction."""
        at = self._now(now)
        written = []
        for system in sorted({*self.state.systems(), *self.systems}):
            state = self.state.get(system)
            if state.checkpoint_at is not None and at - state.checkpoint_at < self.checkpoint_every:
                continue
            kind = "periodic" if state.seq > state.checkpoint_seq else "heartbeat"
            written.append(self._checkpoint(cur, system, at, kind))
        return written

    def seal(self, cur: Any, system: str, *, now: datetime | None = None) -> Checkpoint:
        """Write a checkpoint of ``system`` now, due or not (before a shutdown or a pruning)."""
        state = self.state.get(system)
        kind = "periodic" if state.seq > state.checkpoint_seq else "heartbeat"
        return self._checkpoint(cur, system, self._now(now), kind)

    def _checkpoint(self, cur: Any, system: str, at: datetime, kind: str) -> Checkpoint:
        state = self.state.get(system)
        checkpoint = Checkpoint.make(
            self.signer,
            system,
            state.seq,
            state.hash,
            at,
            "periodic" if kind == "periodic" else "heartbeat",
        )
        checkpoint.insert(cur)
        self.state.mark(system, state.seq, at)
        return checkpoint
