"""The manifest round-trips, refuses what is not one, and names parts by their events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from logyard.errors import StoreError
from logyard.retention import ChainRange, Manifest, decode_manifest, encode_manifest
from logyard.retention._manifest import manifest_key, parquet_key, sha256_file
from logyard.store.duckdb import ArchiveStats

STATS = ArchiveStats(
    rows=3,
    distinct_ids=3,
    ts_min=datetime(2025, 1, 1, 0, 0, 1),
    ts_max=datetime(2025, 1, 1, 23, 0),
    event_id_min="a",
    event_id_max="c",
    record_id="0123456789abcdef0123456789abcdef",
    chain_first_seq=4,
    chain_last_seq=9,
    chain_head_hash="ff" * 32,
    linked_rows=3,
    strays=0,
)


def test_manifest_of_an_export_records_rows_checksum_and_chain() -> None:
    """The manifest names the file by the part's record id and carries the chain range."""
    m = Manifest.of("mes", date(2025, 1, 1), STATS, 1234, "ab" * 32, "0.1.0")
    expected = (
        "part-0123456789abcdef0123456789abcdef.parquet",
        3,
        1234,
        datetime(2025, 1, 1, 0, 0, 1, tzinfo=UTC),
        ChainRange(first_seq=4, last_seq=9, head_hash="ff" * 32, linked_rows=3),
    )
    assert expected == (m.file, m.rows, m.bytes, m.ts_min, m.chain)


def test_manifest_round_trips_through_json() -> None:
    """decode(encode(m)) == m."""
    m = Manifest.of("mes", date(2025, 1, 1), STATS, 1234, "ab" * 32, "0.1.0")
    assert m == decode_manifest(encode_manifest(m), "x")


def test_something_else_is_not_a_manifest() -> None:
    """A JSON file of another shape is refused, naming where it came from."""
    with pytest.raises(StoreError, match=r"^s3://b/x\.json: not a logyard archive manifest"):
        decode_manifest(b'{"rows": "many"}', "s3://b/x.json")


def test_a_newer_format_is_refused() -> None:
    """A manifest of another format version is not guessed at."""
    m = Manifest.of("mes", date(2025, 1, 1), STATS, 1, "ab", "0.1.0")
    data = encode_manifest(m).replace(b"logyard-archive/1", b"logyard-archive/2")
    with pytest.raises(StoreError, match="manifest format 'logyard-archive/2'"):
        decode_manifest(data, "m.json")


def test_keys_are_hive_style_by_system_and_day() -> None:
    """DuckDB/Athena read the archive as a dataset partitioned by system and day."""
    expected = (
        "system=mes/day=2025-01-01/part-abc.parquet",
        "system=mes/day=2025-01-01/part-abc.manifest.json",
    )
    day = date(2025, 1, 1)
    assert expected == (parquet_key("mes", day, "abc"), manifest_key("mes", day, "abc"))


def test_sha256_file_matches_hashlib(tmp_path: Path) -> None:
    """The streamed checksum is the SHA-256 of the whole file, with its size."""
    import hashlib

    path = tmp_path / "f"
    data = b"x" * (3 << 20) + b"tail"
    path.write_bytes(data)
    assert (hashlib.sha256(data).hexdigest(), len(data)) == sha256_file(path)
