"""The verifier: walk each system's chain in seq order and report intact or the first problem.

Findings, in the order a walk meets them:

- ``bad_checkpoint``: a checkpoint's signature is wrong or by a key the verifier does not trust;
- ``missing``: a position has no link (a gap), or a link's event is gone from the store;
- ``inserted``: a position holds two links or two events, or a stored event has no link;
- ``reordered``: the event at a position verifies at another position (positions were
  swapped), or the recorded chaining times go backwards;
- ``altered``: a stored document no longer hashes to its link, or a signed checkpoint
  disagrees with the stored chain (the chain was recomputed after a change);
- ``truncated``: a checkpoint names a position beyond the stored tail, or (with
  ``max_silence_secs``) the newest checkpoint is older than the heartbeat allows.

A position whose event retention archived (a signed archive record covers it, see
:mod:`._archive`) is not ``missing``: the walk goes on from its stored link hash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from logyard.catalog import SYSTEMS
from logyard.security.chain._archive import check_archive_records
from logyard.security.chain._checkpoints import Checkpoint, read_checkpoints
from logyard.security.chain._keys import TrustedKeys, trusted_keys_from_env
from logyard.security.chain._links import (
    ARCHIVE_RECORDS_TABLE,
    ARCHIVED_TABLE,
    CHECKPOINTS_TABLE,
    LINKS_TABLE,
    events_table,
    genesis,
    link_hash,
)

__all__ = ["Finding", "FindingKind", "Progress", "SystemReport", "VerifyReport", "verify"]

FindingKind = Literal["altered", "bad_checkpoint", "inserted", "missing", "reordered", "truncated"]
#: ``progress(system, done, total)``: events checked so far of ``total`` in the system's range.
Progress = Callable[[str, int, int], None]

_CHUNK = 10_000
_PROBE_WINDOW = 100_000


@dataclass(frozen=True, slots=True)
class Finding:
    """The first problem of a system's chain."""

    kind: FindingKind
    system: str
    seq: int | None
    event_id: str | None
    detail: str

    def __str__(self) -> str:
        where = f" at seq {self.seq}" if self.seq is not None else ""
        what = f" (event {self.event_id})" if self.event_id else ""
        return f"{self.system}: {self.kind}{where}{what}: {self.detail}"


@dataclass(slots=True)
class SystemReport:
    """What the walk of one system found."""

    system: str
    events: int = 0
    checkpoints: int = 0
    first_seq: int | None = None
    last_seq: int = 0
    last_checkpoint_seq: int | None = None
    last_checkpoint_at: datetime | None = None
    finding: Finding | None = None
    archived: int = 0  # of ``events``: positions whose event retention archived (link only)

    @property
    def unsealed(self) -> int:
        """Events after the newest checkpoint: not yet covered by a signature."""
        return self.last_seq - (self.last_checkpoint_seq or 0)


@dataclass(slots=True)
class VerifyReport:
    """The result of :func:`verify`: one report per system."""

    systems: list[SystemReport] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        """No system has a finding."""
        return all(s.finding is None for s in self.systems)

    @property
    def findings(self) -> list[Finding]:
        """The first finding of each system that has one."""
        return [s.finding for s in self.systems if s.finding is not None]


class _Problem(Exception):
    def __init__(self, finding: Finding) -> None:
        super().__init__(str(finding))
        self.finding = finding


def _naive(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is None:
        return at
    return at.astimezone(UTC).replace(tzinfo=None)


def _table_exists(cur: Any, table: str) -> bool:
    row = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
    ).fetchone()
    return bool(row and row[0])


def _systems(cur: Any) -> list[str]:
    found = {
        r[0]
        for r in cur.execute(
            f"SELECT DISTINCT system FROM {LINKS_TABLE} UNION "
            f"SELECT DISTINCT system FROM {CHECKPOINTS_TABLE}"
        ).fetchall()
    }
    found |= {s for s in SYSTEMS if _table_exists(cur, events_table(s))}
    return sorted(found)


class _Walk:
    """One system's walk."""

    def __init__(
        self,
        cur: Any,
        system: str,
        keys: TrustedKeys,
        progress: Progress | None,
        progress_every: int,
    ) -> None:
        self.cur = cur
        self.system = system
        self.table = events_table(system)
        self.keys = keys
        self.progress = progress
        self.progress_every = progress_every
        self.report = SystemReport(system)
        self.has_events = _table_exists(cur, self.table)
        self.has_archive = _table_exists(cur, ARCHIVE_RECORDS_TABLE) and _table_exists(
            cur, ARCHIVED_TABLE
        )

    def problem(
        self, kind: FindingKind, seq: int | None, event_id: str | None, detail: str
    ) -> _Problem:
        return _Problem(Finding(kind, self.system, seq, event_id, detail))

    # -- checkpoints ---------------------------------------------------------------------------
    def check_checkpoint(self, cp: Checkpoint, computed: bytes) -> None:
        if not self.keys.verify(cp.key_id, cp.signature, cp.message()):
            why = "is not valid" if cp.key_id in self.keys else "is by an untrusted key"
            raise self.problem(
                "bad_checkpoint",
                cp.seq,
                None,
                f"the signature of the {cp.kind} checkpoint of {cp.at:%Y-%m-%d %H:%M:%S} UTC "
                f"{why} (key id {cp.key_id})",
            )
        if cp.hash != computed:
            raise self.problem(
                "altered",
                cp.seq,
                None,
                f"the signed checkpoint of {cp.at:%Y-%m-%d %H:%M:%S} UTC disagrees with the "
                "stored chain: events up to this position were changed and the chain recomputed",
            )
        self.report.checkpoints += 1

    # -- rows ----------------------------------------------------------------------------------
    def rows(self, lo: int, hi: int) -> Iterator[list[tuple[Any, ...]]]:
        """Groups of rows with the same seq: ``(seq, event_id, chained_at, hash, doc,
        archived)``."""
        doc = "e.doc" if self.has_events else "NULL"
        join = f"LEFT JOIN {self.table} e ON e.event_id = c.event_id" if self.has_events else ""
        params: list[Any] = []
        archived = "FALSE"
        if self.has_archive:
            # only marks under a record of this system count (records are checked first)
            join += (
                f" LEFT JOIN (SELECT DISTINCT m.seq FROM {ARCHIVED_TABLE} m JOIN "
                f"{ARCHIVE_RECORDS_TABLE} r ON r.record_id = m.record_id AND r.system = m.system "
                "WHERE m.system = ?) a ON a.seq = c.seq"
            )
            params.append(self.system)
            archived = "a.seq IS NOT NULL"
        self.cur.execute(
            f"SELECT c.seq, c.event_id, c.chained_at, c.hash, CAST({doc} AS VARCHAR), {archived} "
            f"FROM {LINKS_TABLE} c {join} WHERE c.system = ? AND c.seq BETWEEN ? AND ? "
            "ORDER BY c.seq, c.chained_at",
            [*params, self.system, lo, hi],
        )
        group: list[tuple[Any, ...]] = []
        while True:
            chunk = self.cur.fetchmany(_CHUNK)
            if not chunk:
                break
            for row in chunk:
                if group and group[0][0] != row[0]:
                    yield group
                    group = []
                group.append(row)
        if group:
            yield group

    def probe(self, seq: int, prev: bytes, hi: int) -> int | None:
        """The later position whose event verifies at ``seq``: a swap's partner."""
        if not self.has_events:
            return None
        rows = self.cur.execute(
            f"SELECT c.seq, c.hash, CAST(e.doc AS VARCHAR) FROM {LINKS_TABLE} c "
            f"JOIN {self.table} e ON e.event_id = c.event_id "
            "WHERE c.system = ? AND c.seq > ? AND c.seq <= ? ORDER BY c.seq",
            [self.system, seq, min(hi, seq + _PROBE_WINDOW)],
        ).fetchall()
        for other, stored, doc in rows:
            if link_hash(prev, doc.encode("utf-8", "surrogatepass"), seq) == bytes(stored):
                return int(other)
        return None

    def walk(self, lo: int, hi: int, prev: bytes, checkpoints: dict[int, list[Checkpoint]]) -> None:
        """Check positions ``lo..hi`` starting from ``prev`` = hash[lo-1]."""
        total = hi - lo + 1
        expected = lo
        last_at: datetime | None = None
        for group in self.rows(lo, hi):
            seq = int(group[0][0])
            if seq != expected:
                raise self.problem(
                    "missing",
                    expected,
                    None,
                    f"positions {expected}..{seq - 1} have no link: "
                    f"{seq - expected} event(s) were deleted with their links",
                )
            good = [
                r
                for r in group
                if r[4] is not None
                and link_hash(prev, r[4].encode("utf-8", "surrogatepass"), seq) == bytes(r[3])
            ]
            if len(group) > 1:
                extra = next((r for r in group if r not in good[:1]), group[-1])
                raise self.problem(
                    "inserted",
                    seq,
                    extra[1],
                    f"position {seq} holds {len(group)} links or events; "
                    + ("one verifies, the others were added" if good else "none verifies"),
                )
            _, event_id, chained_at, stored, doc, archived = group[0]
            if doc is None and archived:
                good = [group[0]]  # archived under a signed record: go on from its link
                self.report.archived += 1
            elif doc is None:
                raise self.problem(
                    "missing", seq, event_id, "the chained event is no longer in the store"
                )
            if not good:
                partner = self.probe(seq, prev, hi)
                if partner is not None:
                    raise self.problem(
                        "reordered",
                        seq,
                        event_id,
                        f"the event chained at position {seq} now sits at position {partner}: "
                        "positions were swapped",
                    )
                raise self.problem(
                    "altered",
                    seq,
                    event_id,
                    "the stored document does not match its chain hash (this event was "
                    "changed, or the one before it was changed together with its hash)",
                )
            if last_at is not None and chained_at < last_at:
                raise self.problem(
                    "reordered",
                    seq,
                    event_id,
                    f"recorded chaining time {chained_at} is before the previous position's "
                    f"{last_at}",
                )
            last_at = chained_at
            prev = bytes(stored)
            for cp in checkpoints.get(seq, ()):
                self.check_checkpoint(cp, prev)
            self.report.events += 1
            self.report.last_seq = seq
            if self.report.first_seq is None:
                self.report.first_seq = seq
            if self.progress is not None and self.report.events % self.progress_every == 0:
                self.progress(self.system, self.report.events, total)
            expected = seq + 1
        if expected <= hi:
            raise self.problem(
                "missing",
                expected,
                None,
                f"positions {expected}..{hi} have no link: the chain ends early",
            )


def _seq_range(
    cur: Any, system: str, time_from: datetime | None, time_to: datetime | None
) -> tuple[int, int, int]:
    """(first, last, tail): the positions chained in the time range, and the last position."""
    conditions = ["system = $system"]
    params: dict[str, Any] = {"system": system}
    if time_from is not None:
        conditions.append("chained_at >= $from")
        params["from"] = time_from
    if time_to is not None:
        conditions.append("chained_at < $to")
        params["to"] = time_to
    row = cur.execute(
        f"SELECT min(seq), max(seq), (SELECT coalesce(max(seq), 0) FROM {LINKS_TABLE} "
        f"WHERE system = $system) FROM {LINKS_TABLE} WHERE {' AND '.join(conditions)}",
        params,
    ).fetchone()
    tail = int(row[2]) if row else 0
    if row is None or row[0] is None:
        return 0, -1, tail
    return int(row[0]), int(row[1]), tail


def _verify_system(
    cur: Any,
    system: str,
    keys: TrustedKeys,
    time_from: datetime | None,
    time_to: datetime | None,
    progress: Progress | None,
    progress_every: int,
    max_silence_secs: float | None,
    now: datetime,
) -> SystemReport:
    walk = _Walk(cur, system, keys, progress, progress_every)
    report = walk.report
    checkpoints = read_checkpoints(cur, system)
    if checkpoints:
        newest = max(checkpoints, key=lambda c: c.at)
        report.last_checkpoint_seq = max(c.seq for c in checkpoints)
        report.last_checkpoint_at = newest.at
    by_seq: dict[int, list[Checkpoint]] = {}
    for cp in checkpoints:
        by_seq.setdefault(cp.seq, []).append(cp)
    lo, hi, tail = _seq_range(cur, system, time_from, time_to)
    try:
        if walk.has_archive:
            bad = check_archive_records(cur, system, keys)
            if bad is not None:
                kind: FindingKind = "bad_checkpoint" if bad[0] == "bad_checkpoint" else "altered"
                raise walk.problem(kind, None, None, bad[1])
        for cp in by_seq.get(0, ()):
            walk.check_checkpoint(cp, genesis(system))
        if hi >= lo:
            # Start from the newest checkpoint (or the chain's start) at or before ``lo``.
            first = cur.execute(
                f"SELECT min(seq) FROM {LINKS_TABLE} WHERE system = ?", [system]
            ).fetchone()
            start_seq, prev = 1, genesis(system)
            anchors = [
                cp
                for cp in checkpoints
                if 0 < cp.seq < lo and keys.verify(cp.key_id, cp.signature, cp.message())
            ]
            if anchors:
                anchor = max(anchors, key=lambda c: c.seq)
                start_seq, prev = anchor.seq + 1, anchor.hash
            elif first and first[0] is not None and int(first[0]) > 1:
                raise walk.problem(
                    "missing",
                    1,
                    None,
                    f"positions 1..{int(first[0]) - 1} have no link and no signed checkpoint "
                    "vouches for where the chain starts",
                )
            walk.walk(start_seq, hi, prev, by_seq)
            if progress is not None:
                progress(system, report.events, report.events)
        if time_to is None:
            _check_tail(walk, checkpoints, tail, time_from, max_silence_secs, now)
    except _Problem as problem:
        report.finding = problem.finding
    return report


def _check_tail(
    walk: _Walk,
    checkpoints: list[Checkpoint],
    tail: int,
    time_from: datetime | None,
    max_silence_secs: float | None,
    now: datetime,
) -> None:
    beyond = [cp for cp in checkpoints if cp.seq > tail]
    if beyond:
        cp = max(beyond, key=lambda c: c.seq)
        if walk.keys.verify(cp.key_id, cp.signature, cp.message()):
            raise walk.problem(
                "truncated",
                tail + 1,
                None,
                f"the checkpoint of {cp.at:%Y-%m-%d %H:%M:%S} UTC vouches for {cp.seq} events "
                f"but the chain ends at {tail}: {cp.seq - tail} event(s) were cut off the tail",
            )
        walk.check_checkpoint(cp, b"")
    if walk.has_events:
        params: list[Any] = [walk.system]
        since = ""
        if time_from is not None:
            since = " AND e.ts >= ?"
            params.append(time_from)
        row = walk.cur.execute(
            f"SELECT count(*), min(e.event_id) FROM {walk.table} e WHERE NOT EXISTS "
            f"(SELECT 1 FROM {LINKS_TABLE} c WHERE c.system = ? AND c.event_id = e.event_id)"
            + since,
            params,
        ).fetchone()
        if row and row[0]:
            raise walk.problem(
                "inserted",
                None,
                row[1],
                f"{row[0]} stored event(s) have no position in the chain",
            )
    if max_silence_secs is not None:
        last = walk.report.last_checkpoint_at
        if last is None or (now - last).total_seconds() > max_silence_secs:
            since_text = "never" if last is None else f"since {last:%Y-%m-%d %H:%M:%S} UTC"
            raise walk.problem(
                "truncated",
                None,
                None,
                f"no checkpoint {since_text} (allowed silence {max_silence_secs:g} s): the "
                "tail may have been cut off with its checkpoints, or the writer is down",
            )


def verify(
    conn: Any,
    system: str | None = None,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
    progress: Progress | None = None,
    *,
    keys: TrustedKeys | None = None,
    max_silence_secs: float | None = None,
    now: datetime | None = None,
    progress_every: int = 100_000,
) -> VerifyReport:
    """Verify the chain of ``system`` (default: every system) and its checkpoints.

    ``time_from``/``time_to`` narrow the walk to events chained in ``[from, to)`` (the store's
    write time, which only grows along a chain), starting from the newest trusted checkpoint
    before them. ``keys``: the trusted checkpoint keys (default: from the environment, see
    :mod:`._keys`). ``max_silence_secs``: report ``truncated`` when the newest checkpoint is
    older than this at ``now`` (set it to a few heartbeat intervals while the writer runs).
    """
    trusted = trusted_keys_from_env() if keys is None else keys
    at = _naive(now) or datetime.now(UTC).replace(tzinfo=None)
    cur = conn.cursor()
    try:
        names = [system] if system is not None else _systems(cur)
        report = VerifyReport()
        for name in names:
            report.systems.append(
                _verify_system(
                    cur,
                    name,
                    trusted,
                    _naive(time_from),
                    _naive(time_to),
                    progress,
                    progress_every,
                    max_silence_secs,
                    at,
                )
            )
        return report
    finally:
        cur.close()
