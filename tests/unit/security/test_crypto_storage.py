"""The keyring's storage: migration of the per-subject-file layout into keys.db, and no
copy of a forgotten key in any file the keyring keeps (database, journal, free pages)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import secrets
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tests.unit.security.test_crypto_batch import count_commits

from logyard.security.crypto import (
    Encryptor,
    Keyring,
    LocalKMS,
    SubjectForgotten,
    aad_for,
)
from logyard.security.crypto._base64url import b64encode
from logyard.security.crypto._envelope import Envelope
from logyard.security.crypto._keyring import _data_key_aad


def _old_file(directory: Path, subject: str, record: dict[str, object]) -> None:
    """Write one subject the way keyrings before keys.db did: subjects/ab/ab12….json."""
    name = hashlib.sha256(subject.encode("ascii")).hexdigest()[:32]
    path = directory / "subjects" / name[:2] / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(json.dumps(record, sort_keys=True).encode("ascii") + b"\n")
    path.chmod(0o600)


def _old_keyring(tmp_path: Path) -> tuple[LocalKMS, dict[str, object], str]:
    """An old-layout keyring with one active subject (user:1) and one tombstone (user:2);
    returns the KMS, an envelope sealed under user:1's key, and that key's id."""
    kms = LocalKMS.create(tmp_path / "master.key")
    directory = tmp_path / "keyring"
    key, kid = secrets.token_bytes(32), "dk_" + "a" * 26
    wrapped = kms.wrap(key, aad=_data_key_aad(kid, "user:1"))
    _old_file(
        directory,
        "user:1",
        {
            "v": 1, "subj": "user:1", "kid": kid, "mkid": wrapped.master_kid,
            "wrapped": b64encode(wrapped.blob), "created_at": "2026-01-01T00:00:00+00:00",
        },
    )  # fmt: skip
    _old_file(
        directory,
        "user:2",
        {"v": 1, "subj": "user:2", "kid": "dk_" + "b" * 26, "forgotten_at": "2026-01-02"},
    )
    nonce = secrets.token_bytes(12)
    ct = AESGCM(key).encrypt(nonce, b"alice", aad_for(kid, "user:1", "ev-1", "f"))
    return kms, Envelope(kid, "user:1", nonce, ct).to_dict(), kid


def test_old_per_subject_files_are_migrated(tmp_path: Path) -> None:
    """Opening an old keyring moves its keys and tombstones into keys.db and removes the
    files: old envelopes open, the same key seals on, the tombstone still refuses."""
    kms, envelope, kid = _old_keyring(tmp_path)
    keyring = Keyring(tmp_path / "keyring", kms)
    enc = Encryptor(keyring)
    left = sorted(p.name for p in (tmp_path / "keyring").rglob("*.json"))
    sealed = enc.seal("bob", event_id="ev-2", field="f", subject="user:1")
    statuses = [keyring.status("user:1"), keyring.status("user:2")]
    assert (left, sealed["kid"], statuses, keyring.master_kids()) == (
        [],
        kid,
        ["active", "forgotten"],
        {kms.current_master_kid(): 1},
    )
    assert enc.open(envelope, event_id="ev-1", field="f") == "alice"
    with pytest.raises(SubjectForgotten, match="user:2: forgotten at 2026-01-02"):
        enc.seal("x", event_id="ev-3", field="f", subject="user:2")


def test_migration_keeps_a_tombstone_over_a_stored_key(tmp_path: Path) -> None:
    """A subject forgotten in the old files but present in keys.db (a migration cut short
    and the subject forgotten meanwhile by an old process) ends forgotten: a tombstone
    always wins."""
    kms, envelope, _ = _old_keyring(tmp_path)
    Keyring(tmp_path / "keyring", kms).close()  # first migration: user:1 is active
    _old_file(
        tmp_path / "keyring",
        "user:1",
        {"v": 1, "subj": "user:1", "kid": envelope["kid"], "forgotten_at": "2026-02-01"},
    )
    keyring = Keyring(tmp_path / "keyring", kms)
    assert keyring.status("user:1") == "forgotten"


def _wrapped_forms(db_path: Path, subjects: list[str]) -> dict[str, list[bytes]]:
    with contextlib.closing(sqlite3.connect(db_path)) as db:
        rows = db.execute("SELECT subj, wrapped FROM subjects").fetchall()
    wanted = set(subjects)
    return {
        s: [w, base64.b64encode(w), base64.urlsafe_b64encode(w).rstrip(b"=")]
        for s, w in rows
        if s in wanted
    }


def test_forgotten_keys_are_in_no_file_while_the_others_are(tmp_path: Path) -> None:
    """3,000 subjects created in batches (many pages, page splits), 40 forgotten through a
    second keyring while the first stays open: no byte of a forgotten wrapped key is left
    in any file under the keyring directory, and every kept key is still found there
    (the search itself works)."""
    kms = LocalKMS.create(tmp_path / "master.key")
    directory = tmp_path / "keyring"
    first = Keyring(directory, kms)
    subjects = [f"user:{i}" for i in range(3000)]
    for start in range(0, 3000, 250):
        first.prepare(subjects[start : start + 250])
    gone, kept = subjects[5::75], subjects[7::300]
    forms = _wrapped_forms(directory / "keys.db", gone + kept)
    second = Keyring(directory, LocalKMS.from_file(tmp_path / "master.key"))
    for subject in gone:
        second.forget(subject)
    first.prepare(["user:new"])  # the first connection writes on after the forgets
    blobs = [p.read_bytes() for p in directory.rglob("*") if p.is_file()]

    def found(subject: str) -> bool:
        return any(form in blob for form in forms[subject] for blob in blobs)

    assert ([s for s in gone if found(s)], [s for s in kept if not found(s)]) == ([], [])
    journal = directory / "keys.db-journal"
    assert (sorted(p.name for p in directory.iterdir()), journal.stat().st_size) == (
        [".lock", "keys.db", "keys.db-journal"],
        0,
    )


def test_rewrap_covers_more_rows_than_one_transaction(tmp_path: Path) -> None:
    """1,200 keys (three rewrap transactions of 500): all re-wrapped under the new master,
    an envelope of the first and the last subject opens after the old master is retired."""
    kms = LocalKMS.create(tmp_path / "master.key")
    keyring = Keyring(tmp_path / "keyring", kms)
    enc = Encryptor(keyring)
    subjects = [f"user:{i:04d}" for i in range(1200)]
    keyring.prepare(subjects)
    first = enc.seal("a", event_id="ev-1", field="f", subject=subjects[0])
    last = enc.seal("z", event_id="ev-2", field="f", subject=subjects[-1])
    old = kms.current_master_kid()
    new = kms.rotate()
    commits = count_commits(keyring)
    count = keyring.rewrap()
    transactions = len(commits)
    kms.retire(old)
    fresh = Encryptor(Keyring(tmp_path / "keyring", LocalKMS.from_file(tmp_path / "master.key")))
    assert (count, transactions, keyring.master_kids(), keyring.rewrap()) == (
        1200,
        3,
        {new: 1200},
        0,
    )
    assert [
        fresh.open(first, event_id="ev-1", field="f"),
        fresh.open(last, event_id="ev-2", field="f"),
    ] == ["a", "z"]


def test_database_runs_with_the_settings_the_guarantees_rest_on(tmp_path: Path) -> None:
    """The keyring's own connection uses the rollback journal truncated at each commit,
    synchronous=FULL (the truncation fsync'd: durable at COMMIT, even against a power cut)
    and secure_delete=ON (forgotten bytes zeroed) — the settings docs/security/encryption.md
    argues from."""
    keyring = Keyring(tmp_path / "keyring", LocalKMS.create(tmp_path / "master.key"))
    db = keyring._store._db
    settings = [
        db.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "secure_delete")
    ]
    assert settings == ["truncate", 2, 1]
