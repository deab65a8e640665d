"""The manifest written beside each archived partition, and where archives live.

Layout under the archive root (a directory or ``s3://bucket/prefix``), Hive-style so DuckDB,
Athena or Spark can read the archive as one partitioned dataset::

    system=<system>/day=<YYYY-MM-DD>/part-<record id>.parquet
    system=<system>/day=<YYYY-MM-DD>/part-<record id>.originals.parquet   (when there are any)
    system=<system>/day=<YYYY-MM-DD>/part-<record id>.manifest.json

``record id`` is the first 32 hex digits of the SHA-256 of the part's sorted event ids, so a
re-run that archives the same events finds the same names (it neither duplicates nor
overwrites), and events that arrived late for an archived day go to a part of their own.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import msgspec

from logyard.errors import StoreError
from logyard.store.duckdb import ArchiveStats

__all__ = [
    "FORMAT",
    "ChainRange",
    "Manifest",
    "OriginalsFile",
    "decode_manifest",
    "encode_manifest",
    "manifest_key",
    "originals_key",
    "parquet_key",
    "sha256_file",
    "system_prefix",
]

FORMAT = "logyard-archive/1"


class ChainRange(msgspec.Struct, frozen=True, kw_only=True):
    """The hash-chain positions of the archived rows (when the store chains events)."""

    first_seq: int
    last_seq: int
    head_hash: str  # hex of the link hash at ``last_seq``: the archived head
    linked_rows: int


class OriginalsFile(msgspec.Struct, frozen=True, kw_only=True):
    """The part's encrypted originals (masked values sealed at ingest), in a file of their own."""

    file: str
    rows: int
    bytes: int
    sha256: str


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    """What one archived part holds; written after the Parquet file, read back to verify."""

    format: str = FORMAT
    system: str
    day: date
    record_id: str
    file: str  # the Parquet object's name, beside the manifest
    rows: int
    bytes: int
    sha256: str
    ts_min: datetime | None
    ts_max: datetime | None
    event_id_min: str | None
    event_id_max: str | None
    chain: ChainRange | None
    created_at: datetime
    logyard_version: str
    originals: OriginalsFile | None = None

    @classmethod
    def of(
        cls,
        system: str,
        day: date,
        stats: ArchiveStats,
        size: int,
        sha256: str,
        version: str,
        originals: OriginalsFile | None = None,
    ) -> Manifest:
        """The manifest of a freshly exported part."""
        chain = None
        if stats.chain_last_seq is not None and stats.chain_first_seq is not None:
            chain = ChainRange(
                first_seq=stats.chain_first_seq,
                last_seq=stats.chain_last_seq,
                head_hash=stats.chain_head_hash or "",
                linked_rows=stats.linked_rows,
            )
        return cls(
            system=system,
            day=day,
            record_id=stats.record_id,
            file=f"part-{stats.record_id}.parquet",
            rows=stats.rows,
            bytes=size,
            sha256=sha256,
            ts_min=_utc(stats.ts_min),
            ts_max=_utc(stats.ts_max),
            event_id_min=stats.event_id_min,
            event_id_max=stats.event_id_max,
            chain=chain,
            created_at=datetime.now(UTC),
            logyard_version=version,
            originals=originals,
        )


def _utc(ts: datetime | None) -> datetime | None:
    return None if ts is None else ts.replace(tzinfo=UTC)


def encode_manifest(manifest: Manifest) -> bytes:
    """Pretty JSON (people read manifests)."""
    return msgspec.json.format(msgspec.json.encode(manifest), indent=2) + b"\n"


def decode_manifest(data: bytes, where: str) -> Manifest:
    """A manifest from its bytes; :class:`StoreError` naming ``where`` when it is not one."""
    try:
        manifest = msgspec.json.decode(data, type=Manifest)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise StoreError(
            f"{where}: not a logyard archive manifest ({exc}); restore from an archive "
            "written by `logyard retention run`"
        ) from exc
    if manifest.format != FORMAT:
        raise StoreError(
            f"{where}: manifest format {manifest.format!r} is not {FORMAT!r}; "
            "use a logyard version that wrote it"
        )
    return manifest


def system_prefix(system: str) -> str:
    """Key prefix of a system's archives."""
    return f"system={system}/"


def parquet_key(system: str, day: date, record_id: str) -> str:
    """Key of a part's Parquet file."""
    return f"{system_prefix(system)}day={day.isoformat()}/part-{record_id}.parquet"


def originals_key(system: str, day: date, record_id: str) -> str:
    """Key of a part's encrypted originals."""
    return f"{system_prefix(system)}day={day.isoformat()}/part-{record_id}.originals.parquet"


def manifest_key(system: str, day: date, record_id: str) -> str:
    """Key of a part's manifest."""
    return f"{system_prefix(system)}day={day.isoformat()}/part-{record_id}.manifest.json"


def sha256_file(path: Path) -> tuple[str, int]:
    """(SHA-256 hex, size in bytes) of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
