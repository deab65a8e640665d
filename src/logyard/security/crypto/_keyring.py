"""The keyring: one data key per subject, wrapped by a master key, in owner-only files.

Layout (directory 0700, files 0600)::

    keyring/
      .lock          flock for changes to meta.json and the one-time migration
      meta.json      the subject-hash key, wrapped (written atomically, fsync'd)
      keys.db        SQLite: one row per subject — its wrapped data key, or its tombstone

A row holds ``subj, kid, mkid, wrapped, created_at`` while the subject is active; once
forgotten, ``wrapped`` and ``mkid`` are gone and ``forgotten_at`` set. The tombstone keeps
the subject from getting a new key, so nothing recoverable is written about a person
after ``forget``. :meth:`Keyring.prepare` creates the missing keys of a whole batch of
subjects in **one** durable transaction before any of them is used.

Unwrapped keys are cached (bounded LRU). Before a use the keyring asks SQLite whether
another connection committed since its last look (``PRAGMA data_version``) and, if so,
drops the cached keys of subjects forgotten meanwhile — at once for ``open``, at most
``seal_recheck_secs`` late for ``seal`` — so a ``forget`` in another process is honoured.
(A value sealed in that window is sealed under a key that no longer exists:
unrecoverable, as forgotten data is.)

Keyrings of the earlier layout (``subjects/ab/ab12….json``, one file per subject) are
migrated into ``keys.db`` when first opened: one transaction, then the files are removed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from logyard.security.crypto._base64url import b64decode, b64encode
from logyard.security.crypto._envelope import check_subject
from logyard.security.crypto._errors import EnvelopeInvalid, KeyringError, SubjectForgotten
from logyard.security.crypto._files import (
    create_if_absent,
    exclusive_lock,
    make_private_directory,
    remove_stale_temporaries,
    replace_atomically,
)
from logyard.security.crypto._keystore import KeyRow, KeyStore
from logyard.security.crypto._kms import KeyManagementService, WrappedKey
from logyard.security.crypto._subject import subject_id

__all__ = ["DataKey", "Keyring", "SubjectStatus"]

SubjectStatus = Literal["active", "forgotten", "unknown"]
_SUBJECT_KEY_AAD = b"logyard/subject-key/v1"
_REWRAP_BATCH = 500


def _data_key_aad(kid: str, subject: str) -> bytes:
    return f"logyard/dk/v1\0{kid}\0{subject}".encode("ascii")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_kid() -> str:
    return "dk_" + base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


class DataKey:
    """An unwrapped data key ready to use; its repr shows only the id."""

    __slots__ = ("aead", "kid")

    def __init__(self, kid: str, key: bytes) -> None:
        self.kid = kid
        self.aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"DataKey(kid={self.kid!r})"


class Keyring:
    """Per-subject data keys under ``directory``, wrapped by ``kms``."""

    def __init__(
        self,
        directory: Path,
        kms: KeyManagementService,
        *,
        cache_size: int = 4096,
        seal_recheck_secs: float = 1.0,
    ) -> None:
        if cache_size < 1:
            raise ValueError("cache_size: must be 1 or more")
        if seal_recheck_secs < 0:
            raise ValueError("seal_recheck_secs: must be 0 or more")
        self._seal_recheck_secs = seal_recheck_secs
        self._dir = Path(directory)
        self._kms = kms
        self._cache_size = cache_size
        self._cache: OrderedDict[str, DataKey] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._looked_at = 0.0  # time.monotonic() of the last look for others' forgets
        self._subject_key: bytes | None = None
        make_private_directory(self._dir)
        with self._locked():
            remove_stale_temporaries(self._dir)
            self._store = KeyStore(self._dir)
            self._migrate_subject_files()

    def __repr__(self) -> str:
        return (
            f"Keyring(directory={str(self._dir)!r}, kms={self._kms!r}, cached={len(self._cache)})"
        )

    @property
    def directory(self) -> Path:
        """Where the keyring's files are."""
        return self._dir

    @property
    def cached(self) -> int:
        """How many unwrapped data keys are in memory now."""
        return len(self._cache)

    def close(self) -> None:
        """Close the keyring's database connection (the keyring is unusable afterwards)."""
        self._store.close()

    # -- subjects -------------------------------------------------------------------------
    def subject_for(self, value: str, kind: str) -> str:
        """The subject id of a personal ``value`` of ``kind`` (``email``, ``phone``, ``user``…).

        A keyed hash: stable for this keyring, meaningless without it.
        """
        return subject_id(self._load_subject_key(), value, kind)

    def status(self, subject: str) -> SubjectStatus:
        """``active`` (has a data key), ``forgotten`` (tombstone) or ``unknown``."""
        row = self._store.rows([check_subject(subject)]).get(subject)
        if row is None:
            return "unknown"
        return "forgotten" if row.forgotten_at is not None else "active"

    # -- data keys ------------------------------------------------------------------------
    def prepare(self, subjects: Iterable[str]) -> dict[str, DataKey]:
        """The data keys of ``subjects`` for sealing, creating every missing one in **one**
        durable transaction first. Forgotten subjects are absent from the result.

        When this returns, every returned key is on disk: an envelope sealed with it can
        be acknowledged as soon as the envelope itself is durable.
        """
        wanted = list(dict.fromkeys(check_subject(s) for s in subjects))
        self._look_for_forgets(self._seal_recheck_secs)
        keys: dict[str, DataKey] = {}
        misses: list[str] = []
        with self._cache_lock:
            for subject in wanted:
                key = self._cache.get(subject)
                if key is None:
                    misses.append(subject)
                else:
                    self._cache.move_to_end(subject)
                    keys[subject] = key
        if not misses:
            return keys
        rows = self._store.rows(misses)
        fresh: dict[str, tuple[KeyRow, bytes]] = {}
        absent = [s for s in misses if s not in rows]
        if absent:
            for subject in absent:
                fresh[subject] = self._new_row(subject)
            rows.update(self._store.create([row for row, _ in fresh.values()]))
        for subject in misses:
            row = rows[subject]
            if row.forgotten_at is not None:
                continue
            made = fresh.get(subject)
            if made is not None and made[0].kid == row.kid:
                key = DataKey(row.kid, made[1])  # ours won: no need to unwrap it again
            else:
                key = self._unwrap(row)
            keys[subject] = self._remember(subject, key)
        return {s: keys[s] for s in wanted if s in keys}

    def key_for_seal(self, subject: str) -> DataKey:
        """The subject's data key, created on first use; ``SubjectForgotten`` after forget."""
        key = self.prepare([subject]).get(subject)
        if key is None:
            row = self._store.rows([subject]).get(subject)
            forgotten_at = row.forgotten_at if row is not None else "an unknown time"
            raise SubjectForgotten(
                f"subject {subject}: forgotten at {forgotten_at}; nothing is sealed "
                "for a forgotten subject — keep only the masked value",
                subject=subject,
                reason="forgotten",
            )
        return key

    def key_for_open(self, subject: str, kid: str) -> DataKey:
        """The data key ``kid`` of ``subject``; ``SubjectForgotten`` when it is gone."""
        check_subject(subject)
        self._look_for_forgets(0.0)
        with self._cache_lock:
            key = self._cache.get(subject)
            if key is not None:
                self._cache.move_to_end(subject)
        if key is None:
            row = self._store.rows([subject]).get(subject)
            if row is None:
                raise SubjectForgotten(
                    f"subject {subject}: this keyring ({self._dir}) never held its key; the "
                    "envelope comes from another keyring, or the key was lost with its keyring",
                    subject=subject,
                    reason="unknown",
                )
            if row.forgotten_at is not None:
                raise SubjectForgotten(
                    f"subject {subject}: forgotten at {row.forgotten_at} (crypto-shredded); "
                    "its originals are unrecoverable by design",
                    subject=subject,
                    reason="forgotten",
                )
            key = self._remember(subject, self._unwrap(row))
        if key.kid != kid:
            raise EnvelopeInvalid(
                f"envelope: data key {kid} is not subject {subject}'s key; the envelope was "
                "altered or moved to another subject"
            )
        return key

    def forget(self, subject: str) -> bool:
        """Crypto-shred ``subject``: replace its wrapped key by a tombstone, durably (the
        old bytes zeroed in the database file), and drop any cached copy. ``True`` when a
        key was deleted, ``False`` when there was none."""
        check_subject(subject)
        try:
            return self._store.forget(subject, _now()) is not None
        finally:
            with self._cache_lock:
                self._cache.pop(subject, None)

    # -- master-key rotation ----------------------------------------------------------------
    def rewrap(self) -> int:
        """Re-wrap every key not under the KMS's current master key; returns how many.

        Envelopes are untouched: only the small wrapped keys change, a few hundred per
        transaction. Safe to re-run after a crash; afterwards no row refers to an older
        master key, which can then be retired.
        """
        current = self._kms.current_master_kid()
        count = 0
        while True:
            rows = self._store.needing_rewrap(current, _REWRAP_BATCH)
            if not rows:
                break
            updates: list[tuple[KeyRow, str, bytes]] = []
            for row in rows:
                aad = _data_key_aad(row.kid, row.subj)
                wrapped = self._kms.wrap(self._kms.unwrap(_wrapped_of(row), aad=aad), aad=aad)
                updates.append((row, wrapped.master_kid, wrapped.blob))
            if all(mkid != current for _, mkid, _ in updates):
                raise KeyringError(
                    f"master key {current}: the KMS calls it current but wraps under another; "
                    "fix the KMS configuration, then run the rotation again"
                )
            count += self._store.rewrapped(updates)
        with self._locked():
            meta_path = self._dir / "meta.json"
            if meta_path.exists():
                meta = _load(meta_path)
                if meta["mkid"] != current:
                    key = self._kms.unwrap(_wrapped(meta), aad=_SUBJECT_KEY_AAD)
                    meta.update(_wrapping(self._kms.wrap(key, aad=_SUBJECT_KEY_AAD)))
                    replace_atomically(meta_path, _dump(meta))
                    count += 1
        return count

    def master_kids(self) -> dict[str, int]:
        """How many wrapped keys (data keys and the subject key) each master key wraps."""
        counts = self._store.master_counts()
        meta_path = self._dir / "meta.json"
        if meta_path.exists():
            mkid = _load(meta_path)["mkid"]
            counts[mkid] = counts.get(mkid, 0) + 1
        return counts

    # -- internals --------------------------------------------------------------------------
    def _locked(self) -> Any:
        return exclusive_lock(self._dir / ".lock")

    def _look_for_forgets(self, max_age: float) -> None:
        now = time.monotonic()
        if now - self._looked_at < max_age:
            return
        gone = self._store.forgotten_since_last_look()
        self._looked_at = now
        if gone:
            with self._cache_lock:
                for subject in gone:
                    self._cache.pop(subject, None)

    def _remember(self, subject: str, key: DataKey) -> DataKey:
        with self._cache_lock:
            self._cache[subject] = key
            self._cache.move_to_end(subject)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return key

    def _new_row(self, subject: str) -> tuple[KeyRow, bytes]:
        key = secrets.token_bytes(32)
        kid = _new_kid()
        wrapped = self._kms.wrap(key, aad=_data_key_aad(kid, subject))
        row = KeyRow(subject, kid, wrapped.master_kid, wrapped.blob, _now(), None)
        return row, key

    def _unwrap(self, row: KeyRow) -> DataKey:
        key = self._kms.unwrap(_wrapped_of(row), aad=_data_key_aad(row.kid, row.subj))
        return DataKey(row.kid, key)

    def _load_subject_key(self) -> bytes:
        if self._subject_key is None:
            path = self._dir / "meta.json"
            if not path.exists():
                meta: dict[str, Any] = {"v": 1, "created_at": _now()}
                wrapped = self._kms.wrap(secrets.token_bytes(32), aad=_SUBJECT_KEY_AAD)
                meta.update(_wrapping(wrapped))
                with self._locked():
                    create_if_absent(path, _dump(meta))
            self._subject_key = self._kms.unwrap(_wrapped(_load(path)), aad=_SUBJECT_KEY_AAD)
        return self._subject_key

    def _migrate_subject_files(self) -> None:
        """Move an earlier layout's ``subjects/*/*.json`` into ``keys.db`` (under the lock)."""
        old = self._dir / "subjects"
        if not old.is_dir():
            return
        paths = sorted(old.glob("*/*.json"))
        rows: list[KeyRow] = []
        for path in paths:
            record = _load(path)
            subject = record.get("subj")
            if not isinstance(subject, str):
                raise KeyringError(f"{path}: not a logyard keyring record; restore the keyring")
            if "forgotten_at" in record:
                rows.append(
                    KeyRow(subject, record["kid"], None, None, None, record["forgotten_at"])
                )
            else:
                wrapped = _wrapped(record)
                created = record.get("created_at")
                rows.append(
                    KeyRow(subject, record["kid"], wrapped.master_kid, wrapped.blob, created, None)
                )
        self._store.import_rows(rows)  # durable before any file goes
        for path in paths:
            path.unlink()
        for sub in old.iterdir():
            with contextlib.suppress(OSError):
                sub.rmdir()
        with contextlib.suppress(OSError):
            old.rmdir()


def _wrapping(wrapped: WrappedKey) -> dict[str, str]:
    return {"mkid": wrapped.master_kid, "wrapped": b64encode(wrapped.blob)}


def _wrapped(record: dict[str, Any]) -> WrappedKey:
    return WrappedKey(record["mkid"], b64decode(record["wrapped"]))


def _wrapped_of(row: KeyRow) -> WrappedKey:
    assert row.mkid is not None  # active rows only
    assert row.wrapped is not None
    return WrappedKey(row.mkid, row.wrapped)


def _dump(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True).encode("ascii") + b"\n"


def _parse(data: bytes, path: Path) -> dict[str, Any]:
    try:
        record = json.loads(data)
        if not isinstance(record, dict) or record.get("v") != 1:
            raise ValueError
        if "forgotten_at" not in record:
            b64decode(record["wrapped"])
            if not isinstance(record["mkid"], str):
                raise ValueError
        if "subj" in record and not isinstance(record["kid"], str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise KeyringError(
            f"{path}: not a logyard keyring record; restore the keyring from backup"
        ) from None
    return record


def _load(path: Path) -> dict[str, Any]:
    return _parse(path.read_bytes(), path)
