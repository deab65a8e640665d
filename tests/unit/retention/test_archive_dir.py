"""Retention into a local directory: archive, verify, delete, restore, and what goes wrong."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from tests.unit.retention._data import (
    NOW,
    day_events,
    ids,
    open_store,
    search_ids,
    verify_store,
)

from logyard.errors import StoreError
from logyard.retention import (
    DirTarget,
    RetentionPolicy,
    decode_manifest,
    restore_archives,
    run_retention,
)
from logyard.retention._manifest import sha256_file
from logyard.security.chain import ArchiveRecord, CheckpointSigner
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore

OLD1, OLD2, RECENT = date(2026, 4, 1), date(2026, 4, 2), date(2026, 11, 20)
POLICY = RetentionPolicy(180)


@pytest.fixture
def store(tmp_path: Path) -> DuckDBStore:
    """mes: 6 events on each of two old days and one recent day, written in mixed batches
    (so archived positions interleave with kept ones in the chain); crm: 4 old events."""
    mes1, mes2, recent = (
        day_events("mes", OLD1, 6),
        day_events("mes", OLD2, 6),
        day_events("mes", RECENT, 6),
    )
    crm = day_events("crm", OLD1, 4)
    return open_store(
        tmp_path / "logs.duckdb",
        [mes1[:3] + recent[:3], mes2 + crm, recent[3:] + mes1[3:]],
    )


def archive_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_due_partitions_are_archived_then_deleted(store: DuckDBStore, tmp_path: Path) -> None:
    """The three old partitions go to the archive (Parquet + manifest each) and leave the
    store; the recent day stays searchable."""
    target = DirTarget(tmp_path / "archive")
    report = run_retention(store, target, POLICY, now=NOW)
    expected = (
        True,
        16,
        [("crm", OLD1, 4), ("mes", OLD1, 6), ("mes", OLD2, 6)],
        ids(day_events("mes", RECENT, 6)),
    )
    assert expected == (
        report.ok,
        report.deleted,
        [(o.system, o.day, o.deleted) for o in report.outcomes],
        search_ids(store),
    )


def test_the_manifest_describes_the_file_beside_it(store: DuckDBStore, tmp_path: Path) -> None:
    """Rows, size, SHA-256, time and id range, and the chain positions of the part."""
    root = tmp_path / "archive"
    run_retention(store, DirTarget(root), POLICY, now=NOW)
    [m_path] = (root / "system=mes" / "day=2026-04-02").glob("*.manifest.json")
    m = decode_manifest(m_path.read_bytes(), str(m_path))
    parquet = m_path.with_name(m.file)
    sha, size = sha256_file(parquet)
    events = day_events("mes", OLD2, 6)
    expected = (6, sha, size, events[0].event_id, events[-1].event_id, (7, 12, 6))
    assert expected == (
        m.rows,
        m.sha256,
        m.bytes,
        m.event_id_min,
        m.event_id_max,
        m.chain and (m.chain.first_seq, m.chain.last_seq, m.chain.linked_rows),
    )


def test_verify_stays_intact_after_retention(store: DuckDBStore, tmp_path: Path) -> None:
    """The remaining rows verify across the archived positions (12 of mes's 18)."""
    run_retention(store, DirTarget(tmp_path / "archive"), POLICY, now=NOW)
    report = verify_store(store)
    mes = next(s for s in report.systems if s.system == "mes")
    expected = (True, 18, 12)
    assert expected == (report.intact, mes.events, mes.archived)


def test_restore_brings_events_back_and_verify_checks_them(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """Restored events are searchable again and verify against their original links."""
    target = DirTarget(tmp_path / "archive")
    run_retention(store, target, POLICY, now=NOW)
    restored = restore_archives(store, target, "mes", OLD1, OLD2, now=NOW)
    report = verify_store(store)
    mes = next(s for s in report.systems if s.system == "mes")
    expected = (
        12,
        ids(day_events("mes", OLD1, 6) + day_events("mes", OLD2, 6)),
        (True, 18, 0),
    )
    assert expected == (
        restored.inserted,
        search_ids(store, "service.name:mes and not order.id:nothing and @timestamp < 2026-05-01"),
        (report.intact, mes.events, mes.archived),
    )


def test_restore_twice_inserts_nothing_the_second_time(store: DuckDBStore, tmp_path: Path) -> None:
    """Restore is idempotent on event ids."""
    target = DirTarget(tmp_path / "archive")
    run_retention(store, target, POLICY, now=NOW)
    first = restore_archives(store, target, "mes", OLD1, OLD2, now=NOW)
    second = restore_archives(store, target, "mes", OLD1, OLD2, now=NOW)
    expected = (12, 0, 18)
    assert expected == (first.inserted, second.inserted, store.count("mes"))


def test_restored_days_are_held_then_archived_again_without_duplicates(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """The next run leaves restored days alone; after the hold, they are archived again
    into the same parts (same names, no new files) and verify stays intact."""
    root = tmp_path / "archive"
    target = DirTarget(root)
    run_retention(store, target, POLICY, now=NOW)
    files = archive_files(root)
    restore_archives(store, target, "mes", OLD1, OLD1, hold_days=10, now=NOW)
    held = run_retention(store, target, POLICY, now=NOW + timedelta(days=1))
    later = run_retention(store, target, POLICY, now=NOW + timedelta(days=11))
    expected = ([], [("mes", OLD1, True)], files, True, 6)
    assert expected == (
        held.outcomes,
        [(o.system, o.day, o.reused) for o in later.outcomes],
        archive_files(root),
        verify_store(store).intact,
        store.count("mes"),
    )


class _FailingGet(DirTarget):
    """A directory whose reads fail, as if the archive went away right after the upload."""

    def get(self, key: str, dest: Path) -> None:
        raise StoreError(f"{self.url(key)}: cannot read the archive (gone)")


def test_a_run_that_dies_before_the_delete_is_resumed(store: DuckDBStore, tmp_path: Path) -> None:
    """Uploaded but not verified: nothing is deleted; the re-run reuses the uploaded part
    (crm's, left byte for byte), verifies it and deletes, with no duplicate parts: new files
    only under mes, and each day directory holds exactly one part (Parquet + manifest)."""
    root = tmp_path / "archive"
    broken = run_retention(store, _FailingGet(root), POLICY, now=NOW)
    count_after_failure = store.count()
    files = archive_files(root)
    uploaded = {f: (root / f).read_bytes() for f in files}
    again = run_retention(store, DirTarget(root), POLICY, now=NOW)
    after = archive_files(root)
    parts: dict[str, list[str]] = {}
    for f in after:
        folder, _, name = f.rpartition("/")
        parts.setdefault(folder, []).append(name)
    expected = (
        ["failed", "not run", "not run"],
        22,
        ["failed"],
        [True, False, False],
        6,
        ["system=crm/day=2026-04-01"] * 2,
        True,
        uploaded,
        ["system=mes"],
        {
            "system=crm/day=2026-04-01": (1, 1, True),
            "system=mes/day=2026-04-01": (1, 1, True),
            "system=mes/day=2026-04-02": (1, 1, True),
        },
    )
    assert expected == (
        [o.status for o in broken.outcomes],
        count_after_failure,
        [o.status for o in broken.outcomes if o.error.endswith("cannot read the archive (gone)")],
        [o.reused for o in again.outcomes],
        store.count(),
        [f.rpartition("/")[0] for f in files],
        set(files) <= set(after),
        {f: (root / f).read_bytes() for f in files},
        sorted({f.partition("/")[0] for f in set(after) - set(files)}),
        {
            folder: (
                sum(n.startswith("part-") and n.endswith(".parquet") for n in names),
                sum(n.startswith("part-") and n.endswith(".manifest.json") for n in names),
                len(names) == 2
                and {n.removesuffix(".parquet").removesuffix(".manifest.json") for n in names}
                == {names[0].partition(".")[0]},
            )
            for folder, names in parts.items()
        },
    )


def test_an_archive_that_does_not_verify_is_not_deleted(store: DuckDBStore, tmp_path: Path) -> None:
    """A part whose file no longer matches its manifest stops the run: the partition stays
    and the error names the object and the checksum."""
    root = tmp_path / "archive"
    run_retention(store, _FailingGet(root), POLICY, now=NOW)  # parts uploaded, not deleted
    [parquet] = (root / "system=crm").rglob("*.parquet")
    parquet.write_bytes(parquet.read_bytes()[:-10] + b"0123456789")
    report = run_retention(store, DirTarget(root), POLICY, now=NOW)
    failed = report.outcomes[0]
    expected = (("crm", "failed"), 4, True, True)
    assert expected == (
        (failed.system, failed.status),
        store.count("crm"),
        failed.error.startswith(f"{parquet}: the archive does not verify: SHA-256"),
        failed.error.endswith(
            "nothing was deleted; remove the broken part and run retention again"
        ),
    )


class _LateWriter(DirTarget):
    """Writes a late event for mes's first old day while that day's part uploads."""

    def __init__(self, root: Path, store: DuckDBStore) -> None:
        super().__init__(root)
        self.store = store
        self.late = day_events("mes", OLD1, 1, prefix="late-")

    def put(self, key: str, source: Path) -> None:
        if self.late and key.startswith("system=mes/day=2026-04-01/"):
            self.store.write(WriteBatch(events=self.late))
            self.late = []
        super().put(key, source)


def test_an_event_arriving_during_the_run_is_not_deleted(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """The delete takes only the ids the verified archive holds; the late event stays and the
    next run archives it as a part of its own, which restore brings back with the rest."""
    root = tmp_path / "archive"
    run_retention(store, _LateWriter(root, store), POLICY, now=NOW)
    left = search_ids(store, "service.name:mes and event.id:late*")
    run_retention(store, DirTarget(root), POLICY, now=NOW)
    parts = len(list((root / "system=mes" / "day=2026-04-01").glob("*.parquet")))
    restored = restore_archives(store, DirTarget(root), "mes", OLD1, OLD1, now=NOW)
    expected = (["late-mes-2026-04-01-000"], 2, 7, True)
    assert expected == (
        left,
        parts,
        restored.inserted,
        verify_store(store).intact,
    )


def test_restore_refuses_a_part_whose_checksum_differs(store: DuckDBStore, tmp_path: Path) -> None:
    """Nothing is loaded from a file that does not match its manifest."""
    root = tmp_path / "archive"
    run_retention(store, DirTarget(root), POLICY, now=NOW)
    [parquet] = (root / "system=crm").rglob("*.parquet")
    parquet.write_bytes(parquet.read_bytes() + b"x")
    with pytest.raises(StoreError, match="the archive does not verify: SHA-256"):
        restore_archives(store, DirTarget(root), "crm", OLD1, OLD1, now=NOW)
    expected = 0
    assert expected == store.count("crm")


def test_restore_without_archives_says_where_it_looked(store: DuckDBStore, tmp_path: Path) -> None:
    """An empty range is an error naming the system, the days and the archive."""
    root = tmp_path / "archive"
    with pytest.raises(StoreError) as info:
        restore_archives(store, DirTarget(root), "mes", OLD1, OLD2, now=NOW)
    expected = str(info.value)
    assert expected == (
        f"restore: no archived partition of mes from 2026-04-01 to 2026-04-02 in {root}; "
        "check --from-archive, --system and the days"
    )


def test_restore_into_another_data_dir_chains_the_events_anew(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """A disaster-recovery restore into a fresh store: searchable and verify intact."""
    root = tmp_path / "archive"
    run_retention(store, DirTarget(root), POLICY, now=NOW)
    (tmp_path / "other").mkdir()
    fresh = open_store(tmp_path / "other" / "logs.duckdb")
    restored = restore_archives(fresh, DirTarget(root), "mes", OLD1, OLD2, now=NOW)
    report = verify_store(fresh)
    mes = next(s for s in report.systems if s.system == "mes")
    expected = (12, True, 12)
    assert expected == (restored.inserted, report.intact, mes.events)


def test_dry_run_changes_nothing(store: DuckDBStore, tmp_path: Path) -> None:
    """A dry run lists the due partitions and writes no archive, deletes no event."""
    root = tmp_path / "archive"
    report = run_retention(store, DirTarget(root), POLICY, now=NOW, dry_run=True)
    expected = (["would archive"] * 3, 22, False)
    assert expected == (
        [o.status for o in report.outcomes],
        store.count(),
        root.exists(),
    )


def test_progress_names_each_partition(store: DuckDBStore, tmp_path: Path) -> None:
    """One line to begin, one per partition with its count, destination and result."""
    lines: list[str] = []
    root = tmp_path / "archive"
    run_retention(store, DirTarget(root), POLICY, now=NOW, progress=lines.append)
    expected = [
        f"retention: archiving 3 partition(s), 16 event(s) to {root}",
        "retention: [1/3] crm 2026-04-01: 4 event(s) -> ",
        "retention: [2/3] mes 2026-04-01: 6 event(s) -> ",
        "retention: [3/3] mes 2026-04-02: 6 event(s) -> ",
    ]
    assert expected == [lines[0], *(line.split(str(root))[0] for line in lines[1:])]


def test_a_deletion_passed_off_as_archived_is_found(store: DuckDBStore, tmp_path: Path) -> None:
    """Deleting a kept event and marking its position archived by hand breaks the signed
    record's digest: verify reports ``altered``."""
    run_retention(store, DirTarget(tmp_path / "archive"), POLICY, now=NOW)
    with store.connection() as cur:
        seq, record = cur.execute(
            "SELECT c.seq, (SELECT any_value(record_id) FROM chain_archive_records WHERE "
            "system = 'mes') FROM chain_links c "
            "JOIN logs_mes e USING (event_id) WHERE c.system = 'mes' LIMIT 1"
        ).fetchone() or (None, None)
        cur.execute("DELETE FROM logs_mes WHERE event_id = (SELECT event_id FROM chain_links "
                    "WHERE system = 'mes' AND seq = ?)", [seq])  # fmt: skip
        cur.execute("INSERT INTO chain_archived VALUES ('mes', ?, ?)", [seq, record])
    findings = verify_store(store).findings
    expected = [("mes", "altered")]
    assert expected == [(f.system, f.kind) for f in findings]


def test_a_mark_without_its_record_does_not_hide_a_deletion(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """A position marked archived under a record id of another system (or none) does not
    count: the deleted event is reported ``missing``."""
    run_retention(store, DirTarget(tmp_path / "archive"), POLICY, now=NOW)
    with store.connection() as cur:
        seq, event_id, record = cur.execute(
            "SELECT c.seq, c.event_id, (SELECT any_value(record_id) FROM chain_archive_records "
            "WHERE system = 'crm') FROM chain_links c JOIN logs_mes e USING (event_id) "
            "WHERE c.system = 'mes' LIMIT 1"
        ).fetchone() or (None, None, None)
        cur.execute("DELETE FROM logs_mes WHERE event_id = ?", [event_id])
        cur.execute("INSERT INTO chain_archived VALUES ('mes', ?, ?)", [seq, record])
    findings = verify_store(store).findings
    expected = [("mes", "missing", seq)]
    assert expected == [(f.system, f.kind, f.seq) for f in findings]


def test_an_archive_record_signed_by_another_key_is_found(
    store: DuckDBStore, tmp_path: Path
) -> None:
    """A forged record (another key) vouching for a deleted event is ``bad_checkpoint``."""
    with store.connection() as cur:
        seq, event_id = cur.execute(
            "SELECT seq, event_id FROM chain_links WHERE system = 'crm' ORDER BY seq LIMIT 1"
        ).fetchone() or (0, "")
        record = ArchiveRecord.make(
            CheckpointSigner.generate(), "crm", "f" * 32, OLD1, [seq], "0" * 64, NOW
        )
        cur.execute("DELETE FROM logs_crm WHERE event_id = ?", [event_id])
        record.insert(cur, [seq])
    findings = verify_store(store).findings
    expected = [("crm", "bad_checkpoint")]
    assert expected == [(f.system, f.kind) for f in findings]


def test_retention_and_the_processor_write_side_by_side(store: DuckDBStore, tmp_path: Path) -> None:
    """A writer keeps storing recent events while retention deletes: nothing is lost or
    doubled, and the chain verifies."""
    stop = threading.Event()
    written: list[str] = []

    def write() -> None:
        n = 0
        while not stop.is_set() and n < 200:
            batch = day_events("mes", RECENT, 5, prefix=f"w{n}-")
            store.write(WriteBatch(events=batch))
            written.extend(e.event_id for e in batch)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        report = run_retention(store, DirTarget(tmp_path / "archive"), POLICY, now=NOW)
    finally:
        stop.set()
        writer.join()
    expected = (True, 16, 22 - 16 + len(written), True)
    assert expected == (
        report.ok,
        report.deleted,
        store.count(),
        verify_store(store).intact,
    )


def test_an_old_store_file_without_the_archive_tables_still_verifies(tmp_path: Path) -> None:
    """A data dir written before retention existed: the verifier does not need the new
    tables (read-only opening, as `logyard verify` does)."""
    path = tmp_path / "logs.duckdb"
    store = open_store(path, [day_events("mes", OLD1, 3)])
    keys = store._chain.signer.public
    with store.connection() as cur:
        cur.execute("DROP TABLE chain_archived")
        cur.execute("DROP TABLE chain_archive_records")
    store.close()
    from logyard.security.chain import TrustedKeys, verify

    with duckdb.connect(str(path), read_only=True) as conn:
        assert verify(conn, keys=TrustedKeys([keys])).intact


def _with_originals(store: DuckDBStore) -> list[tuple[str, str, dict[str, object]]]:
    """Seal two originals for the first old mes event (as ingest does); returns them."""
    event_id = day_events("mes", OLD1, 1)[0].event_id
    envelope = b'{"v": 1, "kid": "k1", "ct": "AAAA"}'
    store.write(
        WriteBatch(
            originals=[
                (event_id, "mes", "user.name", "user:ivanova", envelope),
                (event_id, "mes", "client.ip", "user:ivanova", envelope),
            ]
        )
    )
    return store.originals(event_id)


def test_encrypted_originals_travel_with_their_events(store: DuckDBStore, tmp_path: Path) -> None:
    """The originals of archived events go into the part (its manifest counts them), leave
    the store with the events, and come back with a restore."""
    sealed = _with_originals(store)
    event_id = day_events("mes", OLD1, 1)[0].event_id
    root = tmp_path / "archive"
    run_retention(store, DirTarget(root), POLICY, now=NOW)
    after_run = store.originals(event_id)
    [m_path] = (root / "system=mes" / "day=2026-04-01").glob("*.manifest.json")
    manifest = decode_manifest(m_path.read_bytes(), str(m_path))
    restore_archives(store, DirTarget(root), "mes", OLD1, OLD1, now=NOW)
    expected = ([], 2, True, sealed)
    assert expected == (
        after_run,
        manifest.originals and manifest.originals.rows,
        (root / "system=mes" / "day=2026-04-01" / f"part-{manifest.record_id}.originals.parquet")
        .is_file(),
        store.originals(event_id),
    )  # fmt: skip


def test_a_damaged_originals_file_stops_the_delete(store: DuckDBStore, tmp_path: Path) -> None:
    """When the originals file does not match the manifest, the events and their originals
    stay in the store."""
    sealed = _with_originals(store)
    event_id = day_events("mes", OLD1, 1)[0].event_id
    root = tmp_path / "archive"
    mes_first = RetentionPolicy(180, {"crm": 36_500})
    run_retention(store, _FailingGet(root), mes_first, now=NOW)  # uploaded, not deleted
    [originals] = root.rglob("*.originals.parquet")
    originals.write_bytes(originals.read_bytes() + b"!")
    report = run_retention(store, DirTarget(root), mes_first, now=NOW)
    failed = next(o for o in report.outcomes if o.status == "failed")
    expected = (("mes", OLD1), True, 22, sealed)
    assert expected == (
        (failed.system, failed.day),
        failed.error.startswith(f"{originals}: the archive does not verify: SHA-256"),
        store.count(),
        store.originals(event_id),
    )
