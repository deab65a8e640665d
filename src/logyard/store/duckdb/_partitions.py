"""Daily partitions of the DuckDB store, for retention: list, export, drop, restore.

DuckDB has no declarative partitioning. A **partition** here is (system, UTC day of
``@timestamp``): the rows of the system's table with ``ts`` in ``[day, day + 1)``. No schema
change is needed to make one cheap and exact: each table is a system's own, and ``ts`` is a
typed column whose per-row-group min/max (DuckDB's zonemaps) let a range scan skip every row
group outside the day, since rows arrive roughly in time order. Exactness comes from the
event ids: a partition is dropped by deleting only the ids its verified archive holds, so an
event that arrives late for an old day between the export and the delete stays.

The encrypted originals of a partition's events (table ``originals``) travel with them: they
are exported to a file of their own, deleted with the events, and restored with them.

Writes (drop, restore) take the store's write lock and run in one transaction with the hash
chain's bookkeeping; the export reads one snapshot and never blocks the processor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from logyard.catalog import SYSTEMS
from logyard.errors import StoreError
from logyard.security.chain import LINKS_TABLE, ArchiveRecord
from logyard.security.chain._checkpoints import naive_utc
from logyard.store.duckdb._schema import table_name

if TYPE_CHECKING:
    from logyard.store.duckdb._store import DuckDBStore

__all__ = [
    "ArchiveStats",
    "Partition",
    "archive_stats",
    "drop_partition",
    "export_originals",
    "export_partition",
    "held_partitions",
    "hold_partitions",
    "originals_stats",
    "partitions",
    "restore_partition",
]

_HOLDS_DDL = """CREATE TABLE IF NOT EXISTS retention_holds (
    system VARCHAR NOT NULL, day DATE NOT NULL, until TIMESTAMP NOT NULL,
    PRIMARY KEY (system, day))"""


@dataclass(frozen=True, slots=True, order=True)
class Partition:
    """A system's events of one UTC day (by ``@timestamp``)."""

    system: str
    day: date
    rows: int


@dataclass(frozen=True, slots=True)
class ArchiveStats:
    """What a partition's Parquet file holds, read back from the file itself."""

    rows: int
    distinct_ids: int
    ts_min: datetime | None
    ts_max: datetime | None
    event_id_min: str | None
    event_id_max: str | None
    record_id: str  # SHA-256 (32 hex) of the sorted event ids: names the archive part
    chain_first_seq: int | None
    chain_last_seq: int | None
    chain_head_hash: str | None  # hex of the link hash at ``chain_last_seq``
    linked_rows: int  # rows that carry their chain link
    strays: int  # rows of another system or outside the day (must be 0)


def _bounds(day: date) -> tuple[datetime, datetime]:
    lo = datetime.combine(day, time())
    return lo, lo + timedelta(days=1)


def _check_system(system: str) -> str:
    if system not in SYSTEMS:
        raise StoreError(f"partition: {system!r} is not a system; use one of {', '.join(SYSTEMS)}")
    return table_name(system)


def _quoted(path: Path) -> str:
    """A file path as an SQL string literal (COPY and read_parquet take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _ensure_holds(store: DuckDBStore) -> None:
    with store._write_lock, store._cursor() as cur:
        cur.execute(_HOLDS_DDL)


def partitions(store: DuckDBStore, *, before: date | None = None) -> list[Partition]:
    """Every partition (of days before ``before``, when given), by system then day."""
    found: list[Partition] = []
    with store._cursor() as cur:
        for system in SYSTEMS:
            where = "ts IS NOT NULL"
            params: dict[str, Any] = {}
            if before is not None:
                where += " AND ts < $before"
                params["before"] = _bounds(before)[0]
            rows = cur.execute(
                f"SELECT CAST(ts AS DATE) AS day, count(*) FROM {table_name(system)} "
                f"WHERE {where} GROUP BY day ORDER BY day",
                params,
            ).fetchall()
            found += [Partition(system, day, int(n)) for day, n in rows]
    return found


def held_partitions(store: DuckDBStore, now: datetime) -> set[tuple[str, date]]:
    """(system, day) pairs that retention must leave alone at ``now`` (restored recently)."""
    _ensure_holds(store)
    at = naive_utc(now)
    with store._cursor() as cur:
        rows = cur.execute(
            "SELECT system, day FROM retention_holds WHERE until > $at", {"at": at}
        ).fetchall()
    return {(s, d) for s, d in rows}


def hold_partitions(store: DuckDBStore, system: str, days: Iterable[date], until: datetime) -> None:
    """Keep retention off ``system``'s ``days`` until ``until`` (after a restore)."""
    _check_system(system)
    _ensure_holds(store)
    at = naive_utc(until)
    with store._write_lock, store._cursor() as cur:
        cur.executemany(
            "INSERT INTO retention_holds VALUES (?, ?, ?) "
            "ON CONFLICT (system, day) DO UPDATE SET until = excluded.until",
            [(system, d, at) for d in days],
        )


def archive_stats(store: DuckDBStore, path: Path, system: str, day: date) -> ArchiveStats:
    """Read a partition's Parquet file back and describe what it holds."""
    lo, hi = _bounds(day)
    with store._cursor() as cur:
        row = cur.execute(
            "SELECT count(*), count(DISTINCT event_id), min(ts), max(ts), min(event_id), "
            "max(event_id), sha256(coalesce(string_agg(event_id, chr(10) ORDER BY event_id), "
            "'')), min(chain_seq), max(chain_seq), arg_max(chain_hash, chain_seq), "
            "count(chain_seq), count(*) FILTER (WHERE service IS DISTINCT FROM $system "
            f"OR ts < $lo OR ts >= $hi) FROM read_parquet({_quoted(path)})",
            {"system": system, "lo": lo, "hi": hi},
        ).fetchone()
    assert row is not None
    head = bytes(row[9]).hex() if row[9] is not None else None
    return ArchiveStats(
        rows=int(row[0]),
        distinct_ids=int(row[1]),
        ts_min=row[2],
        ts_max=row[3],
        event_id_min=row[4],
        event_id_max=row[5],
        record_id=str(row[6])[:32],
        chain_first_seq=None if row[7] is None else int(row[7]),
        chain_last_seq=None if row[8] is None else int(row[8]),
        chain_head_hash=head,
        linked_rows=int(row[10]),
        strays=int(row[11]),
    )


def export_partition(store: DuckDBStore, system: str, day: date, path: Path) -> ArchiveStats:
    """Write the partition (every column, plus each row's chain link: ``chain_seq``,
    ``chain_hash``, ``chain_chained_at``) to ``path`` as Parquet (zstd), ordered by time and
    id; returns what the file holds."""
    table = _check_system(system)
    lo, hi = _bounds(day)
    with store._cursor() as cur:
        cur.execute(
            "COPY (SELECT e.*, c.seq AS chain_seq, c.hash AS chain_hash, "
            f"c.chained_at AS chain_chained_at FROM {table} e LEFT JOIN (SELECT seq, event_id, "
            f"hash, chained_at FROM {LINKS_TABLE} WHERE system = $system) c "
            "ON c.event_id = e.event_id WHERE e.ts >= $lo AND e.ts < $hi "
            f"ORDER BY e.ts, e.event_id) TO {_quoted(path)} (FORMAT parquet, COMPRESSION zstd)",
            {"system": system, "lo": lo, "hi": hi},
        )
    return archive_stats(store, path, system, day)


_ORIGINALS_COLUMNS = "event_id, system, field, subject, envelope"


def export_originals(store: DuckDBStore, system: str, events: Path, path: Path) -> int:
    """Write the encrypted originals of the events in the Parquet file ``events`` to
    ``path``; returns how many there are (no file is written when there are none)."""
    _check_system(system)
    source = f"read_parquet({_quoted(events)})"
    with store._cursor() as cur:
        row = cur.execute(
            f"SELECT count(*) FROM originals WHERE system = $system AND event_id IN "
            f"(SELECT event_id FROM {source})",
            {"system": system},
        ).fetchone()
        count = int(row[0]) if row else 0
        if count:
            cur.execute(
                f"COPY (SELECT {_ORIGINALS_COLUMNS} FROM originals WHERE system = $system AND "
                f"event_id IN (SELECT event_id FROM {source}) ORDER BY event_id, field) "
                f"TO {_quoted(path)} (FORMAT parquet, COMPRESSION zstd)",
                {"system": system},
            )
    return count


def originals_stats(store: DuckDBStore, path: Path, system: str, events: Path) -> tuple[int, int]:
    """(rows, rows that are not of ``system`` or of no event in ``events``) of an originals
    file read back."""
    with store._cursor() as cur:
        row = cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE system IS DISTINCT FROM $system OR "
            f"event_id NOT IN (SELECT event_id FROM read_parquet({_quoted(events)}))) "
            f"FROM read_parquet({_quoted(path)})",
            {"system": system},
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def drop_partition(
    store: DuckDBStore,
    system: str,
    day: date,
    archive: Path,
    archive_sha256: str,
    record_id: str,
    originals: Path | None = None,
) -> int:
    """Delete the partition's events whose ids the verified ``archive`` file holds (and the
    encrypted originals the verified ``originals`` file holds), record their chain positions
    under a signed archive record ``record_id`` (the part's id, which verification already
    read back from ``archive``) and seal a checkpoint, all in one transaction; returns how
    many events were deleted."""
    table = _check_system(system)
    lo, hi = _bounds(day)
    source = f"read_parquet({_quoted(archive)})"
    params = {"system": system, "lo": lo, "hi": hi}
    with store._write_lock, store._cursor() as cur, store._transaction(cur):
        doomed = (
            f"SELECT e.event_id FROM {table} e WHERE e.ts >= $lo AND e.ts < $hi "
            f"AND e.event_id IN (SELECT event_id FROM {source})"
        )
        seqs = [
            int(r[0])
            for r in cur.execute(
                f"SELECT seq FROM {LINKS_TABLE} WHERE system = $system AND event_id IN "
                f"({doomed}) ORDER BY seq",
                params,
            ).fetchall()
        ]
        row = cur.execute(
            f"DELETE FROM {table} WHERE ts >= $lo AND ts < $hi AND event_id IN "
            f"(SELECT event_id FROM {source})",
            {"lo": lo, "hi": hi},
        ).fetchone()
        deleted = int(row[0]) if row else 0
        if originals is not None:
            cur.execute(
                "DELETE FROM originals WHERE system = $system AND (event_id, field) IN "
                f"(SELECT (event_id, field) FROM read_parquet({_quoted(originals)}))",
                {"system": system},
            )
        known = cur.execute(
            "SELECT count(*) FROM chain_archive_records WHERE system = $system "
            "AND record_id = $record",
            {"system": system, "record": record_id},
        ).fetchone()
        if seqs and not (known and known[0]):
            at = naive_utc(datetime.now(UTC))
            signer = store._chain.signer
            record = ArchiveRecord.make(signer, system, record_id, day, seqs, archive_sha256, at)
            record.insert(cur, seqs)
        if deleted:
            store._chain.seal(cur, system)
    return deleted


def restore_partition(
    store: DuckDBStore, system: str, day: date, archive: Path, originals: Path | None = None
) -> int:
    """Insert the archived events that are not in the store (by event id), and their
    encrypted originals from ``originals``; events whose chain link is gone (a restore into
    another data dir) are chained anew. Returns how many events were inserted."""
    table = _check_system(system)
    lo, hi = _bounds(day)
    source = f"read_parquet({_quoted(archive)})"
    with store._write_lock, store._cursor() as cur:
        columns = [
            r[0]
            for r in cur.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = $t "
                "ORDER BY column_index",
                {"t": table},
            ).fetchall()
        ]
        present = {r[0] for r in cur.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        if "event_id" not in present or "doc" not in present:
            raise StoreError(
                f"{archive}: not a logyard partition archive (no event_id/doc columns); "
                "restore from the archive retention wrote"
            )
        select = ", ".join(c if c in present else f"NULL AS {c}" for c in columns)
        with store._transaction(cur):
            row = cur.execute(
                f"INSERT INTO {table} SELECT {select} FROM {source} b WHERE NOT EXISTS "
                f"(SELECT 1 FROM {table} t WHERE t.ts >= $lo AND t.ts < $hi "
                "AND t.event_id = b.event_id)",
                {"lo": lo, "hi": hi},
            ).fetchone()
            inserted = int(row[0]) if row else 0
            unlinked = cur.execute(
                f"SELECT e.event_id, CAST(e.doc AS VARCHAR) FROM {table} e "
                "WHERE e.ts >= $lo AND e.ts < $hi AND e.event_id IN "
                f"(SELECT event_id FROM {source}) AND NOT EXISTS (SELECT 1 FROM "
                f"{LINKS_TABLE} c WHERE c.system = $system AND c.event_id = e.event_id) "
                "ORDER BY e.ts, e.event_id",
                {"system": system, "lo": lo, "hi": hi},
            ).fetchall()
            if unlinked:
                store._chain.record(cur, system, [(i, d) for i, d in unlinked])
            if originals is not None:
                cur.execute(
                    f"INSERT OR IGNORE INTO originals SELECT {_ORIGINALS_COLUMNS} FROM "
                    f"read_parquet({_quoted(originals)}) WHERE system = $system",
                    {"system": system},
                )
    return inserted
