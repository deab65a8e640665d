"""Embedded retention: archive old daily partitions of the DuckDB store, restore them.

- :func:`run_retention`: archive every partition older than the :class:`RetentionPolicy`
  keeps to Parquet with a :class:`Manifest` (a directory or S3, see :func:`open_target`),
  verify the archive by reading it back, then delete the partition.
- :func:`restore_archives`: load archived partitions back (checksums first, idempotent).
- :class:`RetentionSettings`: the ``LOGYARD_RETENTION_*`` variables of the run inside
  ``logyard up``.

See ``docs/retention.md``.
"""

from logyard.retention._manifest import ChainRange, Manifest, decode_manifest, encode_manifest
from logyard.retention._policy import DEFAULT_DAYS, RetentionPolicy, due_partitions, parse_overrides
from logyard.retention._restore import RestoreReport, restore_archives
from logyard.retention._run import Outcome, RetentionReport, run_retention
from logyard.retention._settings import RetentionSettings
from logyard.retention._target import ArchiveTarget, DirTarget, S3Target, open_target

__all__ = [
    "DEFAULT_DAYS",
    "ArchiveTarget",
    "ChainRange",
    "DirTarget",
    "Manifest",
    "Outcome",
    "RestoreReport",
    "RetentionPolicy",
    "RetentionReport",
    "RetentionSettings",
    "S3Target",
    "decode_manifest",
    "due_partitions",
    "encode_manifest",
    "open_target",
    "parse_overrides",
    "restore_archives",
    "run_retention",
]
