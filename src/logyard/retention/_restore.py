"""``logyard restore``: bring archived partitions back into the store, searchable again.

Each part's manifest is read first; the Parquet file is loaded only when its SHA-256, size
and row count match the manifest. Loading is idempotent on event ids (a second restore adds
nothing). Restored days are held for ``hold_days`` so the next retention run does not
archive them straight away.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from logyard.errors import StoreError
from logyard.retention._manifest import manifest_key, system_prefix
from logyard.retention._run import scratch_dir, verify_part
from logyard.retention._target import ArchiveTarget
from logyard.store.duckdb import DuckDBStore, hold_partitions, restore_partition

__all__ = ["RestoreReport", "restore_archives"]

_SUFFIX = ".manifest.json"


@dataclass(slots=True)
class RestoreReport:
    """Parts found and events inserted, by day."""

    parts: int = 0
    archived_rows: int = 0
    inserted: int = 0
    days: list[date] = field(default_factory=list)


def _parts(target: ArchiveTarget, system: str, first: date, last: date) -> list[tuple[date, str]]:
    """(day, record id) of every archived part of ``system`` in ``[first, last]``."""
    found = []
    for key in target.list(system_prefix(system)):
        # system=<s>/day=<YYYY-MM-DD>/part-<record id>.manifest.json
        parts = key.split("/")
        if len(parts) != 3 or not parts[1].startswith("day=") or not key.endswith(_SUFFIX):
            continue
        try:
            day = date.fromisoformat(parts[1][len("day=") :])
        except ValueError:
            continue
        record_id = parts[2][len("part-") : -len(_SUFFIX)]
        if first <= day <= last and manifest_key(system, day, record_id) == key:
            found.append((day, record_id))
    return sorted(found)


def restore_archives(
    store: DuckDBStore,
    target: ArchiveTarget,
    system: str,
    first: date,
    last: date,
    *,
    hold_days: int = 30,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    work_dir: Path | None = None,
) -> RestoreReport:
    """Restore ``system``'s archived days ``first``..``last`` (inclusive) from ``target``."""
    if last < first:
        raise StoreError(f"restore: --to {last} is before --from {first}; swap them")
    found = _parts(target, system, first, last)
    if not found:
        raise StoreError(
            f"restore: no archived partition of {system} from {first} to {last} in "
            f"{target.url()}; check --from-archive, --system and the days"
        )
    report = RestoreReport()
    base = work_dir if work_dir is not None else scratch_dir(store)
    for i, (day, record_id) in enumerate(found, 1):
        with tempfile.TemporaryDirectory(prefix="restore-", dir=base) as tmp:
            checked = verify_part(store, target, system, day, record_id, Path(tmp))
            inserted = restore_partition(store, system, day, checked.events, checked.originals)
        manifest = checked.manifest
        report.parts += 1
        report.archived_rows += manifest.rows
        report.inserted += inserted
        if day not in report.days:
            report.days.append(day)
        if progress is not None:
            progress(
                f"restore: [{i}/{len(found)}] {system} {day} part {record_id}: checksum ok, "
                f"{inserted} of {manifest.rows} event(s) inserted"
            )
    at = now or datetime.now(UTC)
    hold_partitions(store, system, report.days, at + timedelta(days=hold_days))
    return report
