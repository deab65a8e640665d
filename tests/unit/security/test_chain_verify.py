"""The verifier: an intact chain verifies, and each kind of tampering is found and named."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.security.test_chain_helpers import T0, event, open_db, store

from logyard.security.chain import (
    ChainWriter,
    CheckpointSigner,
    TrustedKeys,
    genesis,
    link_hash,
    verify,
    verify_command,
)
from logyard.security.chain._links import events_table
from logyard.store.duckdb._schema import table_name

SIGNER = CheckpointSigner.generate()
KEYS = TrustedKeys([SIGNER.public])


def chained(n: int = 10, **options: Any) -> Any:
    """A database with ``n`` chained events of ``mes`` in batches of 4, a checkpoint after
    each batch, and 3 of ``shop-api``."""
    conn, chain = open_db(SIGNER, checkpoint_events=4, **options)
    for lo in range(1, n + 1, 4):
        store(conn, chain, "mes", [event(i) for i in range(lo, min(lo + 4, n + 1))])
    store(conn, chain, "shop-api", [event(i, "shop-api") for i in range(1, 4)])
    return conn


def first(conn: Any, **kwargs: Any) -> tuple[str, int | None, str | None] | None:
    report = verify(conn, keys=KEYS, **kwargs)
    findings = report.findings
    if not findings:
        return None
    return findings[0].kind, findings[0].seq, findings[0].event_id


def test_intact_chain_verifies() -> None:
    """An untouched store is intact: every event and checkpoint checked."""
    report = verify(chained(), keys=KEYS)
    mes = report.systems[0]
    assert (
        report.intact,
        mes.system,
        mes.events,
        mes.checkpoints,
        mes.last_checkpoint_seq,
    ) == (True, "mes", 10, 2, 8)


def test_updated_document_is_altered() -> None:
    """Changing one stored document is reported as altered at its position."""
    conn = chained()
    conn.execute(
        "UPDATE logs_mes SET doc = replace(doc, 'line 3', 'line 4') WHERE event_id = 'mes-0006'"
    )
    assert first(conn) == ("altered", 6, "mes-0006")


def test_deleted_event_is_missing() -> None:
    """Deleting an event row (its link stays) is reported as missing with its id."""
    conn = chained()
    conn.execute("DELETE FROM logs_mes WHERE event_id = 'mes-0003'")
    assert first(conn) == ("missing", 3, "mes-0003")


def test_deleted_event_and_link_is_a_gap() -> None:
    """Deleting an event with its link leaves a gap in the positions: missing."""
    conn = chained()
    conn.execute("DELETE FROM logs_mes WHERE event_id = 'mes-0003'")
    conn.execute("DELETE FROM chain_links WHERE event_id = 'mes-0003'")
    assert first(conn) == ("missing", 3, None)


def test_event_without_a_link_is_inserted() -> None:
    """A row added straight to the table, with no chain position, is inserted."""
    conn = chained()
    conn.execute("INSERT INTO logs_mes VALUES (?, 'forged-1', ?)", [T0, event(99)])
    assert first(conn) == ("inserted", None, "forged-1")


def test_forged_link_on_a_taken_position_is_inserted() -> None:
    """A forged row given an existing position (a duplicate seq) is inserted; the original
    event at that position still verifies."""
    conn = chained()
    conn.execute("INSERT INTO logs_mes VALUES (?, 'forged-1', ?)", [T0, event(99)])
    conn.execute(
        "INSERT INTO chain_links SELECT system, seq, 'forged-1', chained_at, hash "
        "FROM chain_links WHERE system = 'mes' AND seq = 5"
    )
    assert first(conn) == ("inserted", 5, "forged-1")


def test_swapped_positions_are_reordered() -> None:
    """Swapping two events' positions is reported as reordered at the earlier one."""
    conn = chained()
    conn.execute(
        "UPDATE chain_links SET seq = CASE seq WHEN 2 THEN 7 ELSE 2 END "
        "WHERE system = 'mes' AND seq IN (2, 7)"
    )
    assert first(conn) == ("reordered", 2, "mes-0007")


def test_chaining_time_going_backwards_is_reordered() -> None:
    """A recorded chaining time earlier than its predecessor's is reordered."""
    conn = chained()
    conn.execute(
        "UPDATE chain_links SET chained_at = chained_at - INTERVAL 1 HOUR "
        "WHERE system = 'mes' AND seq = 9"
    )
    assert first(conn) == ("reordered", 9, "mes-0009")


def test_cut_tail_after_a_checkpoint_is_truncated() -> None:
    """Deleting the last events and their links, when a checkpoint vouched for them, is
    truncated from the first missing position."""
    conn = chained()
    conn.execute("DELETE FROM logs_mes WHERE event_id >= 'mes-0007'")
    conn.execute("DELETE FROM chain_links WHERE system = 'mes' AND seq >= 7")
    assert first(conn) == ("truncated", 7, None)


def test_cut_tail_with_its_checkpoints_shows_as_silence() -> None:
    """Deleting the tail and the checkpoints after it leaves the newest checkpoint old: with
    ``max_silence_secs`` the verifier reports truncated."""
    conn = chained()
    conn.execute("DELETE FROM chain_links WHERE system = 'mes' AND seq >= 9")
    conn.execute("DELETE FROM logs_mes WHERE event_id >= 'mes-0009'")
    conn.execute("DELETE FROM chain_checkpoints WHERE system = 'mes' AND seq >= 9")
    later = T0 + timedelta(hours=1)
    assert first(conn, system="mes", max_silence_secs=120, now=later) == ("truncated", None, None)


def test_recent_heartbeat_is_not_silence() -> None:
    """With a heartbeat within ``max_silence_secs`` the chain is intact."""
    conn, chain = open_db(SIGNER)
    store(conn, chain, "mes", [event(1)], now=T0)
    chain.heartbeat(conn, now=T0 + timedelta(minutes=10))
    assert first(conn, system="mes", max_silence_secs=120, now=T0 + timedelta(minutes=11)) is None


def test_forged_checkpoint_signature_is_bad_checkpoint() -> None:
    """A checkpoint whose signature does not match is bad_checkpoint at its position."""
    conn = chained()
    conn.execute(
        "UPDATE chain_checkpoints SET signature = ? WHERE system = 'mes' AND seq = 4",
        [bytes(64)],
    )
    assert first(conn) == ("bad_checkpoint", 4, None)


def test_checkpoint_by_an_untrusted_key_is_bad_checkpoint() -> None:
    """Checkpoints signed by a key the verifier does not trust are bad_checkpoint."""
    conn = chained()
    other = TrustedKeys([CheckpointSigner.generate().public])
    finding = verify(conn, keys=other).findings[0]
    assert (finding.kind, finding.seq) == ("bad_checkpoint", 4)


def test_recomputed_chain_disagrees_with_the_signed_checkpoint() -> None:
    """Changing a document and recomputing every later hash fools the links but not the
    signed checkpoint: altered at the checkpoint's position."""
    conn = chained()
    conn.execute(
        "UPDATE logs_mes SET doc = replace(doc, 'line 3', 'line 4') WHERE event_id = 'mes-0002'"
    )
    prev = genesis("mes")
    rows = conn.execute(
        "SELECT c.seq, e.doc FROM chain_links c JOIN logs_mes e USING (event_id) "
        "WHERE c.system = 'mes' ORDER BY c.seq"
    ).fetchall()
    for seq, doc in rows:
        prev = link_hash(prev, doc.encode(), seq)
        conn.execute(
            "UPDATE chain_links SET hash = ? WHERE system = 'mes' AND seq = ?", [prev, seq]
        )
    assert first(conn) == ("altered", 4, None)


def test_crypto_shredding_keeps_the_chain_valid() -> None:
    """Forgetting a data subject deletes its key, not the stored envelope: the documents, so
    the chain, are unchanged and verify intact."""
    conn, chain = open_db(SIGNER)
    envelope = {"v": 1, "alg": "A256GCM", "kid": "subj-7", "subj": "c-7", "nonce": "AA", "ct": "Zm"}
    fields: dict[str, Any] = {"customer.email": "i***@example.com", "enc.customer.email": envelope}
    docs = [event(i, **fields) for i in range(1, 4)]
    store(conn, chain, "mes", docs)
    conn.execute("CREATE TABLE subject_keys (subj VARCHAR, wrapped BLOB)")
    conn.execute("INSERT INTO subject_keys VALUES ('c-7', ?)", [bytes(32)])
    conn.execute("DELETE FROM subject_keys WHERE subj = 'c-7'")  # logyard forget c-7
    assert first(conn) is None


def test_pruned_start_anchored_by_a_checkpoint_verifies() -> None:
    """Retention that deletes the oldest events and links up to a checkpoint leaves a chain
    that verifies from that checkpoint; without the checkpoint the start is missing."""
    conn = chained()
    conn.execute("DELETE FROM chain_links WHERE system = 'mes' AND seq <= 4")
    conn.execute("DELETE FROM logs_mes WHERE event_id <= 'mes-0004'")
    anchored = first(conn)
    conn.execute("DELETE FROM chain_checkpoints WHERE system = 'mes' AND seq = 4")
    assert (anchored, first(conn)) == (None, ("missing", 1, None))


def test_time_range_walks_only_from_the_checkpoint_before_it() -> None:
    """A time-range verification checks the events chained in the range, starting at the
    newest checkpoint before it, and ignores problems outside."""
    conn, chain = open_db(SIGNER, checkpoint_events=2)
    for i in range(1, 7):
        store(conn, chain, "mes", [event(i)], now=T0 + timedelta(minutes=i))
    conn.execute(
        "UPDATE logs_mes SET doc = replace(doc, 'line', 'LINE') WHERE event_id = 'mes-0001'"
    )
    report = verify(
        conn,
        "mes",
        T0 + timedelta(minutes=4),
        T0 + timedelta(minutes=6),
        keys=KEYS,
    )
    assert (report.intact, report.systems[0].events) == (True, 2)


def test_progress_reports_every_n_events_and_at_the_end() -> None:
    """The progress callback gets (system, done, total) every ``progress_every`` events."""
    conn = chained(10)
    calls: list[tuple[str, int, int]] = []
    verify(conn, "mes", progress=lambda *a: calls.append(a), keys=KEYS, progress_every=4)
    assert calls == [("mes", 4, 10), ("mes", 8, 10), ("mes", 10, 10)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_single_byte_change_is_detected(data: st.DataObject) -> None:
    """Changing any one byte of any stored document (keeping it valid JSON) is found as
    altered at that document's position."""
    conn = chained(6)
    n = data.draw(st.integers(1, 6), label="event")
    doc: str = conn.execute(
        "SELECT doc FROM logs_mes WHERE event_id = ?", [f"mes-{n:04d}"]
    ).fetchone()[0]
    pos = data.draw(st.integers(0, len(doc) - 1), label="position")
    byte = data.draw(st.sampled_from([c for c in map(chr, range(32, 127)) if c != doc[pos]]))
    changed = doc[:pos] + byte + doc[pos + 1 :]
    try:
        json.loads(changed)
    except ValueError:
        return  # DuckDB's JSON column refuses invalid JSON: not a possible tamper
    conn.execute("UPDATE logs_mes SET doc = ? WHERE event_id = ?", [changed, f"mes-{n:04d}"])
    assert ("altered", n, f"mes-{n:04d}") == first(conn, system="mes")


def test_events_table_follows_the_store_rule() -> None:
    """The verifier finds a system's events where the DuckDB store puts them."""
    assert table_name("internet-shop") == events_table("internet-shop")


def test_verify_command_exit_codes_and_summary(tmp_path: Path) -> None:
    """``verify_command`` exits 0 with a summary for an intact file and 1 with the finding,
    its control characters escaped, when a document was changed."""
    path = tmp_path / "logyard.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE logs_mes (ts TIMESTAMP, event_id VARCHAR, doc JSON NOT NULL)")
    chain = ChainWriter.open(conn, SIGNER)
    store(conn, chain, "mes", [event(1), event(2, **{"event.id": "x\x1b[31m"})])
    conn.close()
    out, err = io.StringIO(), io.StringIO()
    ok = verify_command(path, keys=KEYS, out=out, err=err)
    intact = out.getvalue()
    conn = duckdb.connect(str(path))
    conn.execute("UPDATE logs_mes SET doc = replace(doc, 'line', 'LINE')")
    conn.close()
    out = io.StringIO()
    bad = verify_command(path, "mes", keys=KEYS, out=out, err=err)
    assert (
        ok,
        intact.startswith("mes: intact, 2 event(s) checked") and "INTACT" in intact,
        bad,
        "mes: PROBLEM mes: altered at seq 1 (event mes-0001)" in out.getvalue(),
        "\x1b" in out.getvalue() + intact,
    ) == (0, True, 1, True, False)
