"""Signed archive records: which chain positions retention moved out of the store.

Retention deletes a day of a system's events only after their archive verified. The events'
links stay in ``chain_links``; in the same transaction as the delete, the writer records the
deleted positions in ``chain_archived`` and signs one **archive record** that covers them::

    logyard-chain-archive/1\\n<system>\\n<record id>\\n<day>\\n<positions>\\n<digest hex>\\n
    <archive sha256>\\n<at, ISO 8601 UTC, µs>Z

``digest`` is SHA-256 over the archived positions in ascending order, each as 8 bytes
big-endian. The verifier accepts a missing event at a position only when a record with a
trusted signature covers that position (so deleting events and marking them "archived" by
hand is found), and carries on from the position's stored link hash: the remaining rows
verify from the archived head. A restored event is checked against its link as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from logyard.security.chain._checkpoints import naive_utc
from logyard.security.chain._keys import CheckpointSigner, TrustedKeys
from logyard.security.chain._links import ARCHIVE_RECORDS_TABLE, ARCHIVED_TABLE

__all__ = [
    "ArchiveRecord",
    "archive_message",
    "check_archive_records",
    "positions_digest",
    "read_archive_records",
]


def positions_digest(seqs: Iterable[int]) -> bytes:
    """SHA-256 of the positions in the order given (callers pass them ascending)."""
    digest = hashlib.sha256()
    for seq in seqs:
        digest.update(int(seq).to_bytes(8, "big"))
    return digest.digest()


def archive_message(
    system: str,
    record_id: str,
    day: date,
    positions: int,
    digest: bytes,
    archive_sha256: str,
    at: datetime,
) -> bytes:
    """The bytes an archive record's signature covers."""
    stamp = naive_utc(at).isoformat(timespec="microseconds")
    return (
        f"logyard-chain-archive/1\n{system}\n{record_id}\n{day.isoformat()}\n{positions}\n"
        f"{digest.hex()}\n{archive_sha256}\n{stamp}Z"
    ).encode()


@dataclass(frozen=True, slots=True)
class ArchiveRecord:
    """One signed record of archived positions (``at`` is naive UTC)."""

    record_id: str
    system: str
    day: date
    positions: int
    digest: bytes
    archive_sha256: str
    at: datetime
    key_id: str
    signature: bytes

    @classmethod
    def make(
        cls,
        signer: CheckpointSigner,
        system: str,
        record_id: str,
        day: date,
        seqs: Sequence[int],
        archive_sha256: str,
        at: datetime,
    ) -> ArchiveRecord:
        """A record of ``seqs`` (ascending) signed by ``signer``."""
        at = naive_utc(at)
        digest = positions_digest(seqs)
        message = archive_message(system, record_id, day, len(seqs), digest, archive_sha256, at)
        return cls(
            record_id,
            system,
            day,
            len(seqs),
            digest,
            archive_sha256,
            at,
            signer.key_id,
            signer.sign(message),
        )

    def message(self) -> bytes:
        """What the signature covers."""
        return archive_message(
            self.system,
            self.record_id,
            self.day,
            self.positions,
            self.digest,
            self.archive_sha256,
            self.at,
        )

    def insert(self, cur: Any, seqs: Sequence[int]) -> None:
        """Write the record and its positions (inside the caller's transaction)."""
        cur.execute(
            f"INSERT INTO {ARCHIVE_RECORDS_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.record_id,
                self.system,
                self.day,
                self.positions,
                self.digest,
                self.archive_sha256,
                self.at,
                self.key_id,
                self.signature,
            ],
        )
        if seqs:
            import pyarrow as pa

            staged = pa.table({"seq": pa.array(list(seqs), pa.int64())})
            cur.register("archived_staged", staged)
            try:
                cur.execute(
                    f"INSERT INTO {ARCHIVED_TABLE} SELECT $system, seq, $record FROM "
                    "archived_staged",
                    {"system": self.system, "record": self.record_id},
                )
            finally:
                cur.unregister("archived_staged")


def read_archive_records(cur: Any, system: str) -> list[ArchiveRecord]:
    """A system's archive records, oldest first."""
    rows = cur.execute(
        "SELECT record_id, system, day, positions, digest, archive_sha256, archived_at, key_id, "
        f"signature FROM {ARCHIVE_RECORDS_TABLE} WHERE system = ? ORDER BY archived_at, record_id",
        [system],
    ).fetchall()
    return [
        ArchiveRecord(r[0], r[1], r[2], int(r[3]), bytes(r[4]), r[5], r[6], r[7], bytes(r[8]))
        for r in rows
    ]


def check_archive_records(cur: Any, system: str, keys: TrustedKeys) -> tuple[str, str] | None:
    """``(kind, detail)`` of the first archive record of ``system`` whose signature is not
    trusted or whose positions in ``chain_archived`` are not the ones it signed; else None.
    The positions are read once, streamed in (record, seq) order."""
    records = {r.record_id: r for r in read_archive_records(cur, system)}
    for record in records.values():
        if not keys.verify(record.key_id, record.signature, record.message()):
            why = "is not valid" if record.key_id in keys else "is by an untrusted key"
            return (
                "bad_checkpoint",
                f"the signature of the archive record {record.record_id} of {record.day} "
                f"(written {record.at:%Y-%m-%d %H:%M:%S} UTC) {why} (key id {record.key_id})",
            )
    digests: dict[str, Any] = {}
    counts: dict[str, int] = {}
    cur.execute(
        f"SELECT record_id, seq FROM {ARCHIVED_TABLE} WHERE system = ? ORDER BY record_id, seq",
        [system],
    )
    while chunk := cur.fetchmany(10_000):
        for record_id, seq in chunk:
            if record_id not in records:
                continue  # a mark under no record of this system vouches for nothing
            digest = digests.get(record_id)
            if digest is None:
                digest = digests[record_id] = hashlib.sha256()
            digest.update(int(seq).to_bytes(8, "big"))
            counts[record_id] = counts.get(record_id, 0) + 1
    for record in records.values():
        digest = digests.get(record.record_id)
        found = digest.digest() if digest is not None else positions_digest(())
        if counts.get(record.record_id, 0) != record.positions or found != record.digest:
            return (
                "altered",
                f"the positions marked archived under record {record.record_id} of "
                f"{record.day} are not the {record.positions} its signature covers: events "
                "were deleted and passed off as archived",
            )
    return None
