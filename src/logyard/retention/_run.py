"""``logyard retention run``: archive every due partition, verify the archive, then delete.

For each due partition, oldest first:

1. export it to a local Parquet file (DuckDB ``COPY ... (FORMAT parquet)``) and describe it,
   and its events' encrypted originals to a second file;
2. unless a manifest of the same part is already in the archive (a run that crashed after
   uploading), upload the Parquet file, then its manifest (the manifest is the commit mark);
3. **verify by reading back**: download the manifest and the Parquet file, compare the
   SHA-256 and size, re-read the Parquet with DuckDB (row count, distinct ids, every row of
   this system and day, the same event ids as the manifest names);
4. only then delete, in one transaction, the store's events whose ids the verified file
   holds, their encrypted originals the verified originals file holds, the hash chain's
   signed archive record and a checkpoint.

A failure stops the run before anything unverified is deleted; a re-run resumes: parts are
named by their event ids, so it neither duplicates nor loses.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from logyard import __version__
from logyard.errors import LogyardError, StoreError
from logyard.retention._manifest import (
    Manifest,
    OriginalsFile,
    decode_manifest,
    encode_manifest,
    manifest_key,
    originals_key,
    parquet_key,
    sha256_file,
)
from logyard.retention._policy import RetentionPolicy, due_partitions
from logyard.retention._target import ArchiveTarget
from logyard.store.duckdb import (
    DuckDBStore,
    Partition,
    archive_stats,
    drop_partition,
    export_originals,
    export_partition,
    held_partitions,
    originals_stats,
    partitions,
)

__all__ = [
    "Outcome",
    "RetentionReport",
    "VerifiedPart",
    "run_retention",
    "scratch_dir",
    "verify_part",
]

Status = Literal["archived", "would archive", "failed", "not run"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one partition."""

    system: str
    day: date
    rows: int
    status: Status
    url: str = ""
    deleted: int = 0
    reused: bool = False  # the archive was already there (a re-run after a crash)
    error: str = ""


@dataclass(slots=True)
class RetentionReport:
    """Every due partition's outcome, in the order they were handled."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No partition failed."""
        return all(o.status != "failed" for o in self.outcomes)

    @property
    def deleted(self) -> int:
        """Events deleted from the store (each one verified in the archive first)."""
        return sum(o.deleted for o in self.outcomes)


def scratch_dir(store: DuckDBStore) -> Path | None:
    """``<data dir>/.retention-work``, emptied first: where exports and downloads are staged
    (beside the store, which has room for them), and what a killed run left behind is
    removed. ``None`` (the system's temp dir) for an in-memory store."""
    if store.path is None:
        return None
    work = store.path.parent / ".retention-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    return work


def _say(progress: Callable[[str], None] | None, line: str) -> None:
    if progress is not None:
        progress(line)


@dataclass(frozen=True, slots=True)
class VerifiedPart:
    """A part read back from the archive and checked: its manifest and local copies."""

    manifest: Manifest
    events: Path
    originals: Path | None


def _check_file(path: Path, sha256: str, size: int) -> str | None:
    found, length = sha256_file(path)
    if (found, length) == (sha256, size):
        return None
    return f"SHA-256 {found} ({length} bytes) differs from the manifest's {sha256} ({size} bytes)"


def verify_part(
    store: DuckDBStore,
    target: ArchiveTarget,
    system: str,
    day: date,
    record_id: str,
    work: Path,
) -> VerifiedPart:
    """Download a part's manifest and files and check them against each other and the
    partition. Raises :class:`StoreError` naming the object and what disagrees."""
    m_key = manifest_key(system, day, record_id)
    m_path = work / "manifest.json"
    target.get(m_key, m_path)
    manifest = decode_manifest(m_path.read_bytes(), target.url(m_key))
    p_key = parquet_key(system, day, record_id)
    where = target.url(p_key)
    local = work / "verify.parquet"
    target.get(p_key, local)
    problems = []
    if (manifest.system, manifest.day, manifest.record_id) != (system, day, record_id):
        problems.append(
            f"the manifest describes {manifest.system} {manifest.day} part "
            f"{manifest.record_id}, not {system} {day} part {record_id}"
        )
    bad_file = _check_file(local, manifest.sha256, manifest.bytes)
    if bad_file is not None:
        problems.append(bad_file)
    else:
        stats = archive_stats(store, local, system, day)
        if stats.rows != manifest.rows or stats.distinct_ids != manifest.rows:
            problems.append(
                f"{stats.rows} rows ({stats.distinct_ids} distinct ids) read back, "
                f"the manifest says {manifest.rows}"
            )
        if stats.record_id != record_id:
            problems.append("the event ids read back are not the ones the part is named by")
        if stats.strays:
            problems.append(f"{stats.strays} row(s) are of another system or day")
    originals = None
    if manifest.originals is not None and not problems:
        o_key = originals_key(system, day, record_id)
        where = target.url(o_key)
        originals = work / "verify.originals.parquet"
        target.get(o_key, originals)
        spec = manifest.originals
        bad_file = _check_file(originals, spec.sha256, spec.bytes)
        if bad_file is not None:
            problems.append(bad_file)
        else:
            rows, strays = originals_stats(store, originals, system, local)
            if rows != spec.rows:
                problems.append(f"{rows} originals read back, the manifest says {spec.rows}")
            if strays:
                problems.append(f"{strays} original(s) are of another system or no event")
    if problems:
        raise StoreError(
            f"{where}: the archive does not verify: {'; '.join(problems)}; nothing was "
            "deleted; remove the broken part and run retention again"
        )
    return VerifiedPart(manifest, local, originals)


def _archive_one(
    store: DuckDBStore, target: ArchiveTarget, part: Partition, work: Path
) -> tuple[str, int, bool]:
    """Archive, verify and drop one partition: (url, deleted, reused)."""
    export = work / "export.parquet"
    stats = export_partition(store, part.system, part.day, export)
    if stats.rows == 0:
        return "", 0, False
    m_key = manifest_key(part.system, part.day, stats.record_id)
    p_key = parquet_key(part.system, part.day, stats.record_id)
    reused = target.exists(m_key)
    if not reused:
        sha, size = sha256_file(export)
        originals = None
        o_path = work / "export.originals.parquet"
        o_rows = export_originals(store, part.system, export, o_path)
        if o_rows:
            o_sha, o_size = sha256_file(o_path)
            originals = OriginalsFile(
                file=f"part-{stats.record_id}.originals.parquet",
                rows=o_rows,
                bytes=o_size,
                sha256=o_sha,
            )
        manifest = Manifest.of(part.system, part.day, stats, size, sha, __version__, originals)
        m_local = work / "manifest.out.json"
        m_local.write_bytes(encode_manifest(manifest))
        target.put(p_key, export)
        if originals is not None:
            target.put(originals_key(part.system, part.day, stats.record_id), o_path)
        target.put(m_key, m_local)  # last: the part is complete
    checked = verify_part(store, target, part.system, part.day, stats.record_id, work)
    deleted = drop_partition(
        store,
        part.system,
        part.day,
        checked.events,
        checked.manifest.sha256,
        checked.manifest.record_id,
        checked.originals,
    )
    return target.url(p_key), deleted, reused


def run_retention(
    store: DuckDBStore,
    target: ArchiveTarget,
    policy: RetentionPolicy,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    work_dir: Path | None = None,
    after_partition: Callable[[Outcome], None] | None = None,
    stopping: Callable[[], bool] | None = None,
) -> RetentionReport:
    """Archive and delete every partition older than ``policy`` keeps (see the module doc).

    ``progress`` gets one line per partition; ``after_partition`` is called after each one
    (tests use it to cut the archive off mid-run). A failure ends the run, and so does
    ``stopping()`` turning true between partitions (a shutdown): the partitions not handled
    are reported ``not run``.
    """
    at = now or datetime.now(UTC)
    found = partitions(store, before=policy.oldest_cutoff(at))
    due = due_partitions(found, policy, at, held_partitions(store, at))
    report = RetentionReport()
    if not due:
        _say(progress, f"retention: nothing older than the policy keeps ({target.url()})")
        return report
    total_rows = sum(p.rows for p in due)
    verb = "would archive" if dry_run else "archiving"
    _say(
        progress,
        f"retention: {verb} {len(due)} partition(s), {total_rows} event(s) to {target.url()}",
    )
    base = work_dir if work_dir is not None else scratch_dir(store)
    for i, part in enumerate(due, 1):
        if stopping is not None and stopping():
            report.outcomes += [Outcome(p.system, p.day, p.rows, "not run") for p in due[i - 1 :]]
            _say(progress, f"retention: stopping; {len(due) - i + 1} partition(s) not run")
            return report
        head = f"retention: [{i}/{len(due)}] {part.system} {part.day}: {part.rows} event(s)"
        if dry_run:
            outcome = Outcome(part.system, part.day, part.rows, "would archive")
            _say(progress, f"{head}: would archive")
        else:
            started = time.monotonic()
            try:
                with tempfile.TemporaryDirectory(prefix="retention-", dir=base) as tmp:
                    url, deleted, reused = _archive_one(store, target, part, Path(tmp))
            except (LogyardError, OSError) as exc:
                outcome = Outcome(part.system, part.day, part.rows, "failed", error=str(exc))
                _say(progress, f"{head}: FAILED: {exc}")
                report.outcomes.append(outcome)
                report.outcomes += [Outcome(p.system, p.day, p.rows, "not run") for p in due[i:]]
                if len(due) > i:
                    _say(progress, f"retention: stopped; {len(due) - i} partition(s) not run")
                if after_partition is not None:
                    after_partition(outcome)
                return report
            outcome = Outcome(part.system, part.day, part.rows, "archived", url, deleted, reused)
            again = " (already archived by an earlier run)" if reused else ""
            _say(
                progress,
                f"{head} -> {url}{again}: verified, deleted {deleted} "
                f"({time.monotonic() - started:.1f} s)",
            )
        report.outcomes.append(outcome)
        if after_partition is not None:
            after_partition(outcome)
    return report
