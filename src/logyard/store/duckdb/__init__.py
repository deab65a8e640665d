"""The DuckDB backend: one table per system, typed envelope columns, the JSON document.

:mod:`._partitions` holds the daily partitions retention archives and restores.
"""

from logyard.store.duckdb._partitions import (
    ArchiveStats,
    Partition,
    archive_stats,
    drop_partition,
    export_originals,
    export_partition,
    held_partitions,
    hold_partitions,
    originals_stats,
    partitions,
    restore_partition,
)
from logyard.store.duckdb._store import DuckDBStore

__all__ = [
    "ArchiveStats",
    "DuckDBStore",
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
