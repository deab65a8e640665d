"""The chain writer: links, checkpoints, heartbeats, restarts and rollbacks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.unit.security.test_chain_helpers import T0, event, open_db, store

from logyard.security.chain import (
    ChainState,
    CheckpointSigner,
    TrustedKeys,
    genesis,
    link_hash,
    verify,
)

SIGNER = CheckpointSigner.generate()
KEYS = TrustedKeys([SIGNER.public])


def checkpoints(conn: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = conn.execute(
        "SELECT system, seq, signed_at, kind FROM chain_checkpoints ORDER BY signed_at, system"
    ).fetchall()
    return rows


def test_links_follow_the_formula_over_the_stored_bytes() -> None:
    """hash[n] = SHA-256(hash[n-1] || stored doc || n), from the system's genesis hash, over
    the document exactly as stored (whitespace included)."""
    conn, chain = open_db(SIGNER)
    docs = [event(1), event(2).replace(",", ", ")]
    store(conn, chain, "mes", docs)
    h1 = link_hash(genesis("mes"), docs[0].encode(), 1)
    h2 = link_hash(h1, docs[1].encode(), 2)
    stored = conn.execute("SELECT seq, hash FROM chain_links ORDER BY seq").fetchall()
    assert [(1, h1), (2, h2)] == stored


def test_duplicates_the_store_skips_are_not_chained() -> None:
    """Only the rows the INSERT returned get a position: a replayed event gets none."""
    conn, chain = open_db(SIGNER)
    store(conn, chain, "mes", [event(1), event(2)])
    store(conn, chain, "mes", [event(2), event(3)])
    rows = conn.execute("SELECT seq, event_id FROM chain_links ORDER BY seq").fetchall()
    assert rows == [(1, "mes-0001"), (2, "mes-0002"), (3, "mes-0003")]


def test_chain_continues_across_a_restart() -> None:
    """A new writer loads where each chain ends and the chain verifies across the restart."""
    conn, chain = open_db(SIGNER)
    store(conn, chain, "mes", [event(i) for i in range(1, 4)])
    restarted = ChainState.load(conn)
    assert (3, chain.state.get("mes").hash) == (
        restarted.get("mes").seq,
        restarted.get("mes").hash,
    )
    _, again = conn, type(chain).open(conn, SIGNER)
    store(conn, again, "mes", [event(i) for i in range(4, 6)])
    assert (verify(conn, keys=KEYS).intact, verify(conn, keys=KEYS).systems[0].events) == (True, 5)


def test_rolled_back_transaction_leaves_no_trace_in_the_state() -> None:
    """When the write transaction fails, ``reload`` puts the state back to what is stored, and
    the next write takes the positions the failed one would have had."""
    conn, chain = open_db(SIGNER)
    store(conn, chain, "mes", [event(1)])
    with pytest.raises(RuntimeError):
        store(conn, chain, "mes", [event(2)], fail=True)
    store(conn, chain, "mes", [event(3)])
    rows = conn.execute("SELECT seq, event_id FROM chain_links ORDER BY seq").fetchall()
    assert (rows, verify(conn, keys=KEYS).intact) == ([(1, "mes-0001"), (2, "mes-0003")], True)


def test_checkpoint_every_n_events() -> None:
    """A batch that takes the chain ``checkpoint_events`` past the last checkpoint writes one."""
    conn, chain = open_db(SIGNER, checkpoint_events=3, checkpoint_secs=3600)
    now = T0 + timedelta(minutes=1)
    store(conn, chain, "mes", [event(1), event(2)], now=now)  # first events: first checkpoint
    store(conn, chain, "mes", [event(3)], now=now)  # 1 since: not due
    store(conn, chain, "mes", [event(4), event(5)], now=now)  # 3 since: due
    assert [("mes", 2, now, "periodic"), ("mes", 5, now, "periodic")] == checkpoints(conn)


def test_checkpoint_after_t_seconds() -> None:
    """A write ``checkpoint_secs`` after the last checkpoint writes one, however few events."""
    conn, chain = open_db(SIGNER, checkpoint_events=1000, checkpoint_secs=60)
    store(conn, chain, "mes", [event(1)], now=T0)
    store(conn, chain, "mes", [event(2)], now=T0 + timedelta(seconds=30))
    store(conn, chain, "mes", [event(3)], now=T0 + timedelta(seconds=61))
    assert [row[1] for row in checkpoints(conn)] == [1, 3]


def test_heartbeat_repeats_the_position_with_a_new_time_when_idle() -> None:
    """An idle system gets a heartbeat (same seq, new time) once the last checkpoint is
    ``checkpoint_secs`` old, and nothing before."""
    conn, chain = open_db(SIGNER, checkpoint_secs=60)
    store(conn, chain, "mes", [event(1), event(2)], now=T0)
    early = chain.heartbeat(conn, now=T0 + timedelta(seconds=30))
    late = chain.heartbeat(conn, now=T0 + timedelta(seconds=60))
    assert (
        early,
        [(c.system, c.seq, c.kind) for c in late],
    ) == ([], [("mes", 2, "heartbeat")])


def test_heartbeat_seals_events_written_since_the_last_checkpoint() -> None:
    """When events arrived after the last checkpoint, the due checkpoint is a periodic one
    covering them."""
    conn, chain = open_db(SIGNER, checkpoint_secs=60)
    store(conn, chain, "mes", [event(1)], now=T0)
    store(conn, chain, "mes", [event(2)], now=T0 + timedelta(seconds=10))
    written = chain.heartbeat(conn, now=T0 + timedelta(seconds=70))
    assert [(c.system, c.seq, c.kind) for c in written] == [("mes", 2, "periodic")]


def test_heartbeats_cover_systems_without_events() -> None:
    """Systems named to the writer get heartbeats at seq 0 before their first event, and
    those verify against the genesis hash."""
    conn, chain = open_db(SIGNER, systems=("mes", "shop-api"))
    chain.heartbeat(conn, now=T0)
    assert (
        checkpoints(conn),
        verify(conn, keys=KEYS).intact,
    ) == ([("mes", 0, T0, "heartbeat"), ("shop-api", 0, T0, "heartbeat")], True)


def test_state_repr_shows_positions_only() -> None:
    """The state's repr names each system's position, no hashes."""
    conn, chain = open_db(SIGNER)
    store(conn, chain, "mes", [event(1)])
    assert repr(chain.state) == "ChainState({'mes': 1})"
