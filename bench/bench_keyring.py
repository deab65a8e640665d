"""Benchmark: what a new data subject's key costs, before (one fsync'd file per subject)
and now (SQLite keys.db, one transaction per batch), in one run on one disk.

Run: .venv/bin/python bench/bench_keyring.py [--subjects N] [--rounds R] [--dir PATH]

* ``files, 1 per call`` — the earlier keyring's creation path, step for step: wrap the
  key, take the keyring's flock, write a temporary, fsync it, ``link(2)`` it into
  ``subjects/ab/``, fsync the directory, read the file back (what ``key_for_seal`` did
  for a subject it had never seen).
* ``keys.db, 1 per call`` — ``Keyring.key_for_seal`` on new subjects: one transaction each.
* ``keys.db, batch of B`` — ``Keyring.prepare`` of B new subjects: one transaction each.
* the bare SQLite transaction (keyring-sized rows, secure_delete, durable at COMMIT: EXTRA
  for DELETE, FULL otherwise) in the journal modes DELETE, TRUNCATE (the keyring's) and
  WAL, without the keyring around it.
* ``forget`` — the earlier replace-and-scrub of a file against an UPDATE of the row
  under secure_delete.

Each figure is the median of ``--rounds`` rounds (fresh directory each, the variants
taking turns), in microseconds per subject. The disk is the one ``--dir`` is on (default:
the repository's directory, i.e. the project's disk, not a tmpfs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe
from logyard.security.crypto import Keyring, LocalKMS
from logyard.security.crypto._base64url import b64encode
from logyard.security.crypto._files import (
    create_if_absent,
    exclusive_lock,
    make_private_directory,
    replace_and_scrub,
)
from logyard.security.crypto._keyring import _data_key_aad, _new_kid, _now


def old_create(directory: Path, kms: LocalKMS, subject: str) -> None:
    """The per-subject-file keyring's creation of one new subject (as it was)."""
    key = secrets.token_bytes(32)
    kid = _new_kid()
    wrapped = kms.wrap(key, aad=_data_key_aad(kid, subject))
    record = {
        "v": 1, "subj": subject, "kid": kid, "created_at": _now(),
        "mkid": wrapped.master_kid, "wrapped": b64encode(wrapped.blob),
    }  # fmt: skip
    name = hashlib.sha256(subject.encode("ascii")).hexdigest()[:32]
    path = directory / "subjects" / name[:2] / f"{name}.json"
    with exclusive_lock(directory / ".lock"):
        make_private_directory(path.parent)
        create_if_absent(path, json.dumps(record, sort_keys=True).encode("ascii") + b"\n")
    json.loads(path.read_bytes())


def old_forget(directory: Path, subject: str) -> None:
    name = hashlib.sha256(subject.encode("ascii")).hexdigest()[:32]
    path = directory / "subjects" / name[:2] / f"{name}.json"
    record = json.loads(path.read_bytes())
    tombstone = {"v": 1, "subj": subject, "kid": record["kid"], "forgotten_at": _now()}
    with exclusive_lock(directory / ".lock"):
        replace_and_scrub(path, json.dumps(tombstone, sort_keys=True).encode("ascii"))


def raw_sqlite(path: Path, mode: str, n: int, batch: int) -> float:
    """Seconds for ``n`` inserts of keyring-sized rows, ``batch`` per transaction."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA journal_mode = {mode}")
    # durable at COMMIT: DELETE needs EXTRA (the directory synced after the unlink)
    db.execute(f"PRAGMA synchronous = {'EXTRA' if mode == 'DELETE' else 'FULL'}")
    db.execute("PRAGMA secure_delete = ON")
    db.execute("CREATE TABLE s (subj TEXT PRIMARY KEY, kid TEXT, w BLOB) WITHOUT ROWID")
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO s VALUES (?, ?, ?)",
            [
                (f"user:{i}", _new_kid(), secrets.token_bytes(60))
                for i in range(start, start + batch)
            ],
        )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    db.close()
    return elapsed


def measure(
    base: Path, rounds: int, variants: list[tuple[str, Callable[[Path], tuple[float, int]]]]
) -> dict[str, float]:
    """Median µs per subject of each ``fn(fresh directory) -> (seconds, subjects)``; the
    variants take turns round by round, so a busy moment of the disk hits them alike."""
    per: dict[str, list[float]] = {label: [] for label, _ in variants}
    for _ in range(rounds):
        for label, fn in variants:
            with tempfile.TemporaryDirectory(dir=base) as tmp:
                seconds, count = fn(Path(tmp))
                per[label].append(seconds / count * 1e6)
    return {label: statistics.median(values) for label, values in per.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=300, help="new subjects per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    n, rounds, base = args.subjects, args.rounds, args.dir
    print(f"machine: {describe()}")
    print(f"disk: {base}; SQLite {sqlite3.sqlite_version}; {n} new subjects x {rounds} rounds\n")

    def files(tmp: Path) -> tuple[float, int]:
        kms = LocalKMS.create(tmp / "master.key")
        make_private_directory(tmp / "kr" / "subjects")
        t0 = time.perf_counter()
        for i in range(n):
            old_create(tmp / "kr", kms, f"user:{i}")
        return time.perf_counter() - t0, n

    def keyring_calls(batch: int) -> Callable[[Path], tuple[float, int]]:
        def run(tmp: Path) -> tuple[float, int]:
            keyring = Keyring(tmp / "kr", LocalKMS.create(tmp / "master.key"))
            total = n if batch == 1 else max(n, batch * 3)
            subjects = [f"user:{i}" for i in range(total)]
            t0 = time.perf_counter()
            if batch == 1:
                for s in subjects:
                    keyring.key_for_seal(s)
            else:
                for start in range(0, total, batch):
                    keyring.prepare(subjects[start : start + batch])
            elapsed = time.perf_counter() - t0
            keyring.close()
            return elapsed, total

        return run

    def raw(mode: str, batch: int) -> Callable[[Path], tuple[float, int]]:
        def run(tmp: Path) -> tuple[float, int]:
            total = n if batch == 1 else max(n, batch * 3)
            return raw_sqlite(tmp / "k.db", mode, total, batch), total

        return run

    def forgets_old(tmp: Path) -> tuple[float, int]:
        kms = LocalKMS.create(tmp / "master.key")
        make_private_directory(tmp / "kr" / "subjects")
        for i in range(100):
            old_create(tmp / "kr", kms, f"user:{i}")
        t0 = time.perf_counter()
        for i in range(100):
            old_forget(tmp / "kr", f"user:{i}")
        return time.perf_counter() - t0, 100

    def forgets_new(tmp: Path) -> tuple[float, int]:
        keyring = Keyring(tmp / "kr", LocalKMS.create(tmp / "master.key"))
        keyring.prepare(f"user:{i}" for i in range(100))
        t0 = time.perf_counter()
        for i in range(100):
            keyring.forget(f"user:{i}")
        elapsed = time.perf_counter() - t0
        keyring.close()
        return elapsed, 100

    variants: list[tuple[str, Callable[[Path], tuple[float, int]]]] = [
        ("files (earlier keyring), 1 per call", files),
        ("keys.db, 1 per call (key_for_seal)", keyring_calls(1)),
    ]
    variants += [(f"keys.db, batch of {b} (prepare)", keyring_calls(b)) for b in (10, 100, 1000)]
    variants += [
        (f"  raw SQLite {mode}, {b} per transaction", raw(mode, b))
        for mode in ("DELETE", "TRUNCATE", "WAL")
        for b in (1, 100)
    ]
    results = measure(base, rounds, variants)
    old = results[variants[0][0]]
    print(f"{'new key per subject':<46} {'µs/subject':>12} {'old / this':>11}")
    for label, us in results.items():
        print(f"{label:<46} {us:>12,.1f} {old / us:>10.1f}x")
    forgets = measure(
        base,
        rounds,
        [
            ("files: tombstone + scrub of the old file", forgets_old),
            ("keys.db: UPDATE under secure_delete", forgets_new),
        ],
    )
    print(f"\n{'forget one subject':<46} {'µs/subject':>12}")
    for label, us in forgets.items():
        print(f"{label:<46} {us:>12,.1f}")


if __name__ == "__main__":
    main()
