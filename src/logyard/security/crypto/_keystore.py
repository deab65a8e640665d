"""The keyring's storage: one SQLite database, ``keys.db``, one row per data subject.

Why SQLite and these settings (the argument is spelled out in docs/security/encryption.md):

* ``journal_mode=TRUNCATE`` (the rollback journal) with ``synchronous=FULL``: a transaction
  is durable when ``COMMIT`` returns, and the commit point is the truncation of the
  journal — the only place that holds the pre-images of changed pages — to zero bytes,
  fsync'd at once under FULL (so a power cut cannot bring its content back and roll the
  commit back). After every commit the journal file is empty: no WAL keeps old page
  images around until a checkpoint.
* ``secure_delete=ON``: content deleted or overwritten (a forgotten subject's wrapped key,
  a re-wrapped key) is overwritten with zeros in the database file, in the page and on the
  freelist alike.
* ``BEGIN IMMEDIATE`` around every change: writers in several processes are serialized
  by SQLite's own file locks, so two processors creating one subject's key agree on one
  row (the primary key refuses a second).

A batch of new subjects costs one transaction, i.e. one journal write and a few fsyncs for
the whole batch instead of a file and its fsyncs per subject.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from logyard.security.crypto._errors import KeyringError

__all__ = ["DB_NAME", "KeyRow", "KeyStore"]

DB_NAME = "keys.db"
_SCHEMA_VERSION = 1
_CHUNK = 500  # subjects per IN (...) query, well under SQLite's variable limit
_BUSY_MS = 30_000

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS subjects (subj TEXT PRIMARY KEY, kid TEXT NOT NULL, "
    "mkid TEXT, wrapped BLOB, created_at TEXT, forgotten_at TEXT, forgotten_seq INTEGER) "
    "WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS subjects_forgotten ON subjects (forgotten_seq) "
    "WHERE forgotten_seq IS NOT NULL",
)
_COLUMNS = "subj, kid, mkid, wrapped, created_at, forgotten_at"


@dataclass(frozen=True, slots=True)
class KeyRow:
    """One subject: its wrapped data key while active, or its tombstone once forgotten."""

    subj: str
    kid: str
    mkid: str | None
    wrapped: bytes | None
    created_at: str | None
    forgotten_at: str | None

    def __repr__(self) -> str:  # never the wrapped key
        state = (
            f"forgotten_at={self.forgotten_at!r}" if self.forgotten_at else f"mkid={self.mkid!r}"
        )
        return f"KeyRow(subj={self.subj!r}, kid={self.kid!r}, {state})"


class KeyStore:
    """``keys.db`` under ``directory``: rows read, created in batches, forgotten, re-wrapped.

    One connection per instance, shared by the instance's threads under a lock.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / DB_NAME
        self._lock = threading.RLock()
        # SQLite creates its journal with the database file's mode: make that 0600 first.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=_BUSY_MS / 1000
            )
            self._db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
            mode = self._db.execute("PRAGMA journal_mode = TRUNCATE").fetchone()[0]
            if mode != "truncate":
                raise sqlite3.DatabaseError(f"journal_mode stays {mode!r}")
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA secure_delete = ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"schema version {version}, newer than this logyard")
            if version == 0:  # a new database: the schema, once
                with self._write():
                    for statement in _SCHEMA:
                        self._db.execute(statement)
                    self._db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            self._version = self._data_version()
            self._forget_seq = self._max_forget_seq()
        except sqlite3.Error as exc:
            if hasattr(self, "_db"):
                self._db.close()
            raise self._error(exc) from None

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    # -- reads ----------------------------------------------------------------------------
    def rows(self, subjects: Sequence[str]) -> dict[str, KeyRow]:
        """The rows of those ``subjects`` that the keyring holds."""
        found: dict[str, KeyRow] = {}
        with self._guard():
            for chunk in _chunks(subjects):
                found.update(self._select(chunk))
        return found

    def master_counts(self) -> dict[str, int]:
        """How many active data keys each master key id wraps."""
        with self._guard():
            cur = self._db.execute(
                "SELECT mkid, count(*) FROM subjects WHERE forgotten_at IS NULL GROUP BY mkid"
            )
            return {str(mkid): int(n) for mkid, n in cur.fetchall()}

    def forgotten_since_last_look(self) -> list[str]:
        """Subjects forgotten by *another* connection since the previous call.

        ``PRAGMA data_version`` changes only when another connection commits, so the common
        case costs one pragma.
        """
        with self._guard():
            version = self._data_version()
            if version == self._version:
                return []
            self._version = version
            cur = self._db.execute(
                "SELECT subj, forgotten_seq FROM subjects WHERE forgotten_seq > ?",
                (self._forget_seq,),
            )
            gone = cur.fetchall()
            if gone:
                self._forget_seq = max(seq for _, seq in gone)
            return [subj for subj, _ in gone]

    # -- writes ---------------------------------------------------------------------------
    def create(self, rows: Sequence[KeyRow]) -> dict[str, KeyRow]:
        """Insert ``rows`` for subjects that have none yet, in **one** durable transaction,
        and return the row that is now stored for each (another process's, when it won)."""
        stored: dict[str, KeyRow] = {}
        with self._guard(), self._write():
            wanted = [r.subj for r in rows]
            for chunk in _chunks(wanted):
                stored.update(self._select(chunk))
            new = [r for r in rows if r.subj not in stored]
            self._db.executemany(
                f"INSERT INTO subjects ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                [(r.subj, r.kid, r.mkid, r.wrapped, r.created_at, r.forgotten_at) for r in new],
            )
            stored.update((r.subj, r) for r in new)
        return stored

    def forget(self, subject: str, forgotten_at: str) -> KeyRow | None:
        """Replace ``subject``'s wrapped key by a tombstone; the row before, or ``None``
        when there was no key (unknown or already forgotten)."""
        with self._guard(), self._write():
            row = self._select([subject]).get(subject)
            if row is None or row.forgotten_at is not None:
                return None
            seq = self._max_forget_seq() + 1
            self._db.execute(
                "UPDATE subjects SET mkid = NULL, wrapped = NULL, forgotten_at = ?, "
                "forgotten_seq = ? WHERE subj = ?",
                (forgotten_at, seq, subject),
            )
        return row

    def needing_rewrap(self, current_mkid: str, limit: int) -> list[KeyRow]:
        """Up to ``limit`` active rows wrapped by another master than ``current_mkid``."""
        with self._guard():
            cur = self._db.execute(
                f"SELECT {_COLUMNS} FROM subjects WHERE forgotten_at IS NULL AND mkid != ? "
                "ORDER BY subj LIMIT ?",
                (current_mkid, limit),
            )
            return [self._row(r) for r in cur.fetchall()]

    def rewrapped(self, updates: Sequence[tuple[KeyRow, str, bytes]]) -> int:
        """Store new wrappings ``(old row, mkid, wrapped)`` in one transaction; rows that
        changed meanwhile (forgotten, re-wrapped by another process) are left alone."""
        changed = 0
        with self._guard(), self._write():
            for old, mkid, wrapped in updates:
                cur = self._db.execute(
                    "UPDATE subjects SET mkid = ?, wrapped = ? WHERE subj = ? AND kid = ? "
                    "AND mkid = ? AND forgotten_at IS NULL",
                    (mkid, wrapped, old.subj, old.kid, old.mkid),
                )
                changed += cur.rowcount
        return changed

    def import_rows(self, rows: Iterable[KeyRow]) -> int:
        """Take over rows from an older keyring layout in one transaction; a key already
        here is kept, a tombstone always wins. Returns how many rows changed."""
        changed = 0
        with self._guard(), self._write():
            seq = self._max_forget_seq()
            for r in rows:
                if r.forgotten_at is None:
                    cur = self._db.execute(
                        f"INSERT OR IGNORE INTO subjects ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                        (r.subj, r.kid, r.mkid, r.wrapped, r.created_at, None),
                    )
                else:
                    seq += 1
                    cur = self._db.execute(
                        "INSERT INTO subjects (subj, kid, forgotten_at, forgotten_seq) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (subj) DO UPDATE SET mkid = NULL, "
                        "wrapped = NULL, forgotten_at = excluded.forgotten_at, "
                        "forgotten_seq = excluded.forgotten_seq WHERE forgotten_at IS NULL",
                        (r.subj, r.kid, r.forgotten_at, seq),
                    )
                changed += cur.rowcount
        return changed

    # -- internals ------------------------------------------------------------------------
    def _select(self, subjects: Sequence[str]) -> dict[str, KeyRow]:
        marks = ",".join("?" * len(subjects))
        cur = self._db.execute(
            f"SELECT {_COLUMNS} FROM subjects WHERE subj IN ({marks})", tuple(subjects)
        )
        return {r[0]: self._row(r) for r in cur.fetchall()}

    def _row(self, r: tuple[object, ...]) -> KeyRow:
        subj, kid, mkid, wrapped, created_at, forgotten_at = r
        ok = isinstance(subj, str) and isinstance(kid, str)
        if forgotten_at is None:
            ok = ok and isinstance(mkid, str) and isinstance(wrapped, bytes) and len(wrapped) > 0
        else:
            ok = ok and isinstance(forgotten_at, str) and wrapped is None
        if not ok:
            raise KeyringError(
                f"{self.path}: the row of subject {subj!r} is not a logyard keyring record; "
                "restore the keyring from backup"
            )
        return KeyRow(subj, kid, mkid, wrapped, created_at, forgotten_at)  # type: ignore[arg-type]

    def _data_version(self) -> int:
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def _max_forget_seq(self) -> int:
        row = self._db.execute("SELECT max(forgotten_seq) FROM subjects").fetchone()
        return int(row[0] or 0)

    def _guard(self) -> _Guard:
        return _Guard(self)

    def _write(self) -> _Transaction:
        return _Transaction(self._db)

    def _error(self, exc: sqlite3.Error) -> KeyringError:
        return KeyringError(
            f"{self.path}: not a usable logyard keyring database ({exc}); check the disk and "
            "the file's owner, or restore the keyring from backup"
        )


class _Guard:
    """The instance lock, with SQLite errors turned into ``KeyringError``."""

    __slots__ = ("_store",)

    def __init__(self, store: KeyStore) -> None:
        self._store = store

    def __enter__(self) -> None:
        self._store._lock.acquire()

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        self._store._lock.release()
        if isinstance(exc, sqlite3.Error):
            raise self._store._error(exc) from None


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error)."""

    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        deadline = time.monotonic() + _BUSY_MS / 1000
        while True:  # the busy handler covers most waits; a deadlock retry covers the rest
            try:
                self._db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if exc is None:
            try:
                self._db.execute("COMMIT")
                return
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
