"""The keyring: one data key per subject, wrapped by a master key, in owner-only files.

Layout (directory 0700, files 0600, every write atomic and fsync'd)::

    keyring/
      .lock                         flock for every change, across processes
      meta.json                     the subject-hash key, wrapped
      subjects/ab/ab12….json        one subject: its wrapped data key, or its tombstone

A subject file holds ``{"v", "subj", "kid", "mkid", "wrapped", "created_at"}`` while the
subject is active and ``{"v", "subj", "kid", "forgotten_at"}`` once forgotten. The tombstone
keeps the subject from getting a new key, so nothing recoverable is written about a
person after ``forget``. Unwrapped keys are cached (bounded LRU); each use re-checks the
file's identity with one ``stat`` — at once for ``open``, at most ``seal_recheck_secs`` late
for ``seal`` — so a ``forget`` in another process is honoured. (A value sealed in that
window is sealed under a key that no longer exists: unrecoverable, as forgotten data is.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
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
    replace_and_scrub,
    replace_atomically,
)
from logyard.security.crypto._kms import KeyManagementService, WrappedKey
from logyard.security.crypto._subject import subject_id

__all__ = ["DataKey", "Keyring", "SubjectStatus"]

SubjectStatus = Literal["active", "forgotten", "unknown"]
_SUBJECT_KEY_AAD = b"logyard/subject-key/v1"


def _data_key_aad(kid: str, subject: str) -> bytes:
    return f"logyard/dk/v1\0{kid}\0{subject}".encode("ascii")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DataKey:
    """An unwrapped data key ready to use; its repr shows only the id."""

    __slots__ = ("aead", "kid")

    def __init__(self, kid: str, key: bytes) -> None:
        self.kid = kid
        self.aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"DataKey(kid={self.kid!r})"


@dataclass(slots=True)
class _Cached:
    key: DataKey
    path: str
    identity: tuple[int, int]  # (st_ino, st_mtime_ns) of the file the key came from
    checked_at: float  # time.monotonic() of the last check against the file


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
        self._subjects = self._dir / "subjects"
        self._kms = kms
        self._cache_size = cache_size
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._subject_key: bytes | None = None
        make_private_directory(self._dir)
        make_private_directory(self._subjects)
        with self._locked():
            remove_stale_temporaries(self._dir)

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

    # -- subjects -------------------------------------------------------------------------
    def subject_for(self, value: str, kind: str) -> str:
        """The subject id of a personal ``value`` of ``kind`` (``email``, ``phone``, ``user``…).

        A keyed hash: stable for this keyring, meaningless without it.
        """
        return subject_id(self._load_subject_key(), value, kind)

    def status(self, subject: str) -> SubjectStatus:
        """``active`` (has a data key), ``forgotten`` (tombstone) or ``unknown``."""
        record = self._read(check_subject(subject))[0]
        if record is None:
            return "unknown"
        return "forgotten" if "forgotten_at" in record else "active"

    # -- data keys ------------------------------------------------------------------------
    def key_for_seal(self, subject: str) -> DataKey:
        """The subject's data key, created on first use; ``SubjectForgotten`` after forget."""
        cached = self._cached(check_subject(subject), self._seal_recheck_secs)
        if cached is not None:
            return cached
        record, identity = self._read(subject)
        if record is None:
            self._create(subject)
            record, identity = self._read(subject)
            assert record is not None
        if "forgotten_at" in record:
            raise SubjectForgotten(
                f"subject {subject}: forgotten at {record['forgotten_at']}; nothing is sealed "
                "for a forgotten subject — keep only the masked value",
                subject=subject,
                reason="forgotten",
            )
        return self._remember(subject, self._unwrap(subject, record), identity)

    def key_for_open(self, subject: str, kid: str) -> DataKey:
        """The data key ``kid`` of ``subject``; ``SubjectForgotten`` when it is gone."""
        key = self._cached(check_subject(subject), 0.0)
        if key is None:
            record, identity = self._read(subject)
            if record is None:
                raise SubjectForgotten(
                    f"subject {subject}: this keyring ({self._dir}) never held its key; the "
                    "envelope comes from another keyring, or the key was lost with its keyring",
                    subject=subject,
                    reason="unknown",
                )
            if "forgotten_at" in record:
                raise SubjectForgotten(
                    f"subject {subject}: forgotten at {record['forgotten_at']} (crypto-shredded); "
                    "its originals are unrecoverable by design",
                    subject=subject,
                    reason="forgotten",
                )
            key = self._remember(subject, self._unwrap(subject, record), identity)
        if key.kid != kid:
            raise EnvelopeInvalid(
                f"envelope: data key {kid} is not subject {subject}'s key; the envelope was "
                "altered or moved to another subject"
            )
        return key

    def forget(self, subject: str) -> bool:
        """Crypto-shred ``subject``: replace its wrapped key by a tombstone, durably, and drop
        any cached copy. ``True`` when a key was deleted, ``False`` when there was none."""
        check_subject(subject)
        try:
            with self._locked():
                record = self._read(subject)[0]
                if record is None or "forgotten_at" in record:
                    return False
                tombstone = {"v": 1, "subj": subject, "kid": record["kid"], "forgotten_at": _now()}
                replace_and_scrub(self._path(subject), _dump(tombstone))
                return True
        finally:
            with self._cache_lock:
                self._cache.pop(subject, None)

    # -- master-key rotation ----------------------------------------------------------------
    def rewrap(self) -> int:
        """Re-wrap every key not under the KMS's current master key; returns how many.

        Envelopes are untouched: only the small wrapped keys change. Safe to re-run after a
        crash; afterwards no file refers to an older master key, which can then be retired.
        """
        current = self._kms.current_master_kid()
        count = 0
        for path in sorted(self._subjects.glob("*/*.json")):
            with self._locked():
                record = _load(path)
                if "forgotten_at" in record or record["mkid"] == current:
                    continue
                aad = _data_key_aad(record["kid"], record["subj"])
                key = self._kms.unwrap(_wrapped(record), aad=aad)
                record.update(_wrapping(self._kms.wrap(key, aad=aad)))
                replace_atomically(path, _dump(record))
                count += 1
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
        counts: dict[str, int] = {}
        paths = [*self._subjects.glob("*/*.json"), self._dir / "meta.json"]
        for path in paths:
            if path.exists():
                record = _load(path)
                if "mkid" in record:
                    counts[record["mkid"]] = counts.get(record["mkid"], 0) + 1
        return counts

    # -- internals --------------------------------------------------------------------------
    def _locked(self) -> Any:
        return exclusive_lock(self._dir / ".lock")

    def _path(self, subject: str) -> Path:
        name = hashlib.sha256(subject.encode("ascii")).hexdigest()[:32]
        return self._subjects / name[:2] / f"{name}.json"

    def _cached(self, subject: str, max_age: float) -> DataKey | None:
        with self._cache_lock:
            entry = self._cache.get(subject)
            if entry is None:
                return None
            now = time.monotonic()
            if now - entry.checked_at >= max_age:
                try:
                    st = os.stat(entry.path)
                    fresh = (st.st_ino, st.st_mtime_ns) == entry.identity
                except FileNotFoundError:
                    fresh = False
                if not fresh:
                    del self._cache[subject]
                    return None
                entry.checked_at = now
            self._cache.move_to_end(subject)
            return entry.key

    def _remember(self, subject: str, key: DataKey, identity: tuple[int, int]) -> DataKey:
        with self._cache_lock:
            self._cache[subject] = _Cached(
                key, str(self._path(subject)), identity, time.monotonic()
            )
            self._cache.move_to_end(subject)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return key

    def _read(self, subject: str) -> tuple[dict[str, Any] | None, tuple[int, int]]:
        path = self._path(subject)
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                record = _parse(f.read(), path)
        except FileNotFoundError:
            return None, (0, 0)
        if record.get("subj") != subject:
            raise KeyringError(f"{path}: holds another subject's key; restore the keyring")
        return record, (st.st_ino, st.st_mtime_ns)

    def _create(self, subject: str) -> None:
        key = secrets.token_bytes(32)
        kid = "dk_" + base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()
        record = {"v": 1, "subj": subject, "kid": kid, "created_at": _now()}
        record.update(_wrapping(self._kms.wrap(key, aad=_data_key_aad(kid, subject))))
        path = self._path(subject)
        with self._locked():
            make_private_directory(path.parent)
            create_if_absent(path, _dump(record))  # lost a race: the winner's key is read back

    def _unwrap(self, subject: str, record: dict[str, Any]) -> DataKey:
        kid = record["kid"]
        return DataKey(kid, self._kms.unwrap(_wrapped(record), aad=_data_key_aad(kid, subject)))

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


def _wrapping(wrapped: WrappedKey) -> dict[str, str]:
    return {"mkid": wrapped.master_kid, "wrapped": b64encode(wrapped.blob)}


def _wrapped(record: dict[str, Any]) -> WrappedKey:
    return WrappedKey(record["mkid"], b64decode(record["wrapped"]))


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
