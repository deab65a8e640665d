"""The keyring: per-subject keys, crypto-shredding, master rotation, durable 0600 files."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from logyard.security.crypto import (
    Encryptor,
    Keyring,
    KeyringError,
    LocalKMS,
    SubjectForgotten,
)
from logyard.security.crypto._files import _write_temporary, create_if_absent


def make(tmp_path: Path, **kwargs: object) -> tuple[LocalKMS, Keyring, Encryptor]:
    kms = LocalKMS.create(tmp_path / "master.key")
    keyring = Keyring(tmp_path / "keyring", kms, **kwargs)  # type: ignore[arg-type]
    return kms, keyring, Encryptor(keyring)


def reopen(tmp_path: Path) -> Encryptor:
    """A fresh process's view: master keys and keyring read back from disk."""
    return Encryptor(Keyring(tmp_path / "keyring", LocalKMS.from_file(tmp_path / "master.key")))


def files_under(directory: Path) -> Iterator[Path]:
    return (p for p in directory.rglob("*") if p.is_file())


def stored_row(tmp_path: Path, subject: str) -> tuple[str | None, bytes | None, str | None]:
    """``(mkid, wrapped, forgotten_at)`` of ``subject`` as keys.db holds it."""
    with contextlib.closing(sqlite3.connect(tmp_path / "keyring" / "keys.db")) as db:
        row = db.execute(
            "SELECT mkid, wrapped, forgotten_at FROM subjects WHERE subj = ?", (subject,)
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_forget_makes_envelopes_unopenable(tmp_path: Path) -> None:
    """After forget, the subject's envelopes raise SubjectForgotten with reason 'forgotten'."""
    _, keyring, enc = make(tmp_path)
    env = enc.seal("alice@example.com", event_id="ev-1", field="user.email", subject="user:42")
    assert keyring.forget("user:42") is True
    with pytest.raises(SubjectForgotten) as info:
        enc.open(env, event_id="ev-1", field="user.email")
    assert (info.value.subject, info.value.reason) == ("user:42", "forgotten")


def test_forget_spares_other_subjects(tmp_path: Path) -> None:
    """Forgetting one subject leaves every other subject's envelopes readable."""
    _, keyring, enc = make(tmp_path)
    bob = enc.seal("bob@example.com", event_id="ev-2", field="user.email", subject="user:43")
    enc.seal("alice@example.com", event_id="ev-1", field="user.email", subject="user:42")
    keyring.forget("user:42")
    assert enc.open(bob, event_id="ev-2", field="user.email") == "bob@example.com"


def test_forget_is_durable_across_restart(tmp_path: Path) -> None:
    """A keyring opened afresh after forget cannot open the subject's envelopes either."""
    _, keyring, enc = make(tmp_path)
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    keyring.forget("user:42")
    with pytest.raises(SubjectForgotten):
        reopen(tmp_path).open(env, event_id="ev-1", field="f")


def test_forget_in_another_instance_drops_a_cached_key(tmp_path: Path) -> None:
    """A key cached by one keyring (as in the API process) is refused once another forgets it."""
    _, _, api = make(tmp_path)
    env = api.seal("alice", event_id="ev-1", field="f", subject="user:42")
    api.open(env, event_id="ev-1", field="f")  # now cached in `api`
    reopen(tmp_path).keyring.forget("user:42")  # the CLI, in another process
    with pytest.raises(SubjectForgotten):
        api.open(env, event_id="ev-1", field="f")


def test_forget_leaves_no_wrapped_key_on_disk(tmp_path: Path) -> None:
    """After forget no keyring file holds the subject's wrapped key (raw or base64); the
    tombstone has no key."""
    _, keyring, enc = make(tmp_path)
    enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    _, wrapped, _ = stored_row(tmp_path, "user:42")
    assert wrapped is not None
    forms = [wrapped, base64.b64encode(wrapped), base64.urlsafe_b64encode(wrapped).rstrip(b"=")]
    keyring.forget("user:42")
    leftovers = [p for p in files_under(tmp_path / "keyring") for f in forms if f in p.read_bytes()]
    mkid, left, forgotten_at = stored_row(tmp_path, "user:42")
    assert (leftovers, mkid, left, forgotten_at is not None) == ([], None, None, True)


def test_forgotten_subject_is_not_sealed_again(tmp_path: Path) -> None:
    """Sealing for a forgotten subject raises SubjectForgotten: nothing new is recoverable."""
    _, keyring, enc = make(tmp_path)
    enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    keyring.forget("user:42")
    with pytest.raises(SubjectForgotten):
        enc.seal("alice again", event_id="ev-2", field="f", subject="user:42")


def test_forget_reports_whether_a_key_was_deleted(tmp_path: Path) -> None:
    """forget is True once, then False; unknown subjects give False and stay unknown."""
    _, keyring, enc = make(tmp_path)
    enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    results = [keyring.forget("user:42"), keyring.forget("user:42"), keyring.forget("user:99")]
    statuses = [keyring.status("user:42"), keyring.status("user:99")]
    assert (results, statuses) == ([True, False, False], ["forgotten", "unknown"])


def test_envelope_from_another_keyring_is_unknown(tmp_path: Path) -> None:
    """An envelope whose subject this keyring never knew raises SubjectForgotten('unknown')."""
    _, _, enc = make(tmp_path / "a")
    _, _, other = make(tmp_path / "b")
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    with pytest.raises(SubjectForgotten) as info:
        other.open(env, event_id="ev-1", field="f")
    assert info.value.reason == "unknown"


def test_rotation_keeps_old_envelopes_and_rewraps_only_keys(tmp_path: Path) -> None:
    """Rotate the master, re-wrap, retire the old master: old and new envelopes open in a
    fresh process, the envelopes are byte-identical, and no key is wrapped by the old master."""
    kms, keyring, enc = make(tmp_path)
    old_master = kms.current_master_kid()
    alice = keyring.subject_for("alice@example.com", "email")  # creates the subject-hash key
    old = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    kept = json.dumps(old, sort_keys=True)
    new_master = kms.rotate()
    between = enc.seal("bob", event_id="ev-2", field="f", subject="user:43")
    assert enc.open(old, event_id="ev-1", field="f") == "alice"  # both masters loaded
    rewrapped = keyring.rewrap()
    kms.retire(old_master)
    fresh = reopen(tmp_path)
    opened = [
        fresh.open(old, event_id="ev-1", field="f"),
        fresh.open(between, event_id="ev-2", field="f"),
    ]
    new = fresh.seal("carol", event_id="ev-3", field="f", subject="user:42")
    assert (rewrapped, keyring.master_kids(), opened, json.dumps(old, sort_keys=True)) == (
        2,  # user:42's data key and the subject-hash key; user:43 was born under new_master
        {new_master: 3},
        ["alice", "bob"],
        kept,
    )
    assert (
        fresh.open(new, event_id="ev-3", field="f"),
        fresh.subject_for("alice@example.com", "email"),
    ) == ("carol", alice)


def test_rewrap_is_idempotent(tmp_path: Path) -> None:
    """A second rewrap after a finished one changes nothing (safe to re-run after a crash)."""
    kms, keyring, enc = make(tmp_path)
    enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    kms.rotate()
    assert [keyring.rewrap(), keyring.rewrap()] == [1, 0]


def test_retired_master_without_rewrap_is_a_keyring_error(tmp_path: Path) -> None:
    """Retiring a master that still wraps keys makes them unreadable, with a clear error."""
    kms, _, enc = make(tmp_path)
    old_master = kms.current_master_kid()
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    kms.rotate()
    kms.retire(old_master)
    with pytest.raises(KeyringError, match=f"master key {old_master}: not loaded"):
        reopen(tmp_path).open(env, event_id="ev-1", field="f")


def test_rotation_through_the_environment_variable(tmp_path: Path) -> None:
    """With LOGYARD_MASTER_KEY='new,old' and a rewrap, the old key can then be dropped."""
    old_key, new_key = "A" * 43 + "=", "B" * 43 + "="
    directory = tmp_path / "keyring"
    enc = Encryptor(Keyring(directory, LocalKMS.from_env_value(old_key)))
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    Keyring(directory, LocalKMS.from_env_value(f"{new_key},{old_key}")).rewrap()
    after = Encryptor(Keyring(directory, LocalKMS.from_env_value(new_key)))
    assert after.open(env, event_id="ev-1", field="f") == "alice"


def test_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    """Keyring and master key files are 0600 and directories 0700 even under umask 000."""
    previous = os.umask(0)
    try:
        _, keyring, enc = make(tmp_path)
        enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
        keyring.subject_for("alice@example.com", "email")
        keyring.forget("user:42")
    finally:
        os.umask(previous)
    paths = [tmp_path / "master.key", *(tmp_path / "keyring").rglob("*")]
    modes = {stat.S_IMODE(p.stat().st_mode) for p in paths if p.is_file()}
    dirs = {stat.S_IMODE(p.stat().st_mode) for p in paths if p.is_dir()}
    assert (modes, dirs | {stat.S_IMODE((tmp_path / "keyring").stat().st_mode)}) == (
        {0o600},
        {0o700},
    )


def test_crash_before_rename_keeps_old_file_and_cleans_up(tmp_path: Path) -> None:
    """A write of meta.json (the subject-hash key, still a file) that died after its
    temporary file but before the rename leaves the file whole; the next keyring start
    removes the temporary, subject ids are unchanged and the envelope still opens."""
    _, keyring, enc = make(tmp_path)
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    alice = keyring.subject_for("alice@example.com", "email")
    path = tmp_path / "keyring" / "meta.json"
    before = path.read_bytes()
    temp = _write_temporary(path, b'{"v": 1, "mkid": "mk_')  # then "crash"
    fresh = reopen(tmp_path)
    assert (path.read_bytes() == before, temp.exists()) == (True, False)
    assert (
        fresh.open(env, event_id="ev-1", field="f"),
        fresh.subject_for("alice@example.com", "email"),
    ) == ("alice", alice)


def test_create_if_absent_never_overwrites(tmp_path: Path) -> None:
    """Of two writers creating one key file, the second loses and the first's bytes stay."""
    target = tmp_path / "k.json"
    results = [create_if_absent(target, b"first"), create_if_absent(target, b"second")]
    assert (results, target.read_bytes(), sorted(p.name for p in tmp_path.iterdir())) == (
        [True, False],
        b"first",
        ["k.json"],
    )


def test_two_keyrings_share_one_key_per_subject(tmp_path: Path) -> None:
    """Two processes on one keyring agree on a subject's key: each opens the other's seals."""
    _, _, one = make(tmp_path)
    two = reopen(tmp_path)
    a = one.seal("alice", event_id="ev-1", field="f", subject="user:42")
    b = two.seal("alice2", event_id="ev-2", field="f", subject="user:42")
    assert [two.open(a, event_id="ev-1", field="f"), one.open(b, event_id="ev-2", field="f")] == [
        "alice",
        "alice2",
    ]


def test_cache_is_bounded(tmp_path: Path) -> None:
    """The unwrapped-key cache never holds more than cache_size keys, and evicted keys reload."""
    _, keyring, enc = make(tmp_path, cache_size=2)
    envs = [enc.seal(f"v{i}", event_id=f"ev-{i}", field="f", subject=f"user:{i}") for i in range(5)]
    opened = [enc.open(e, event_id=f"ev-{i}", field="f") for i, e in enumerate(envs)]
    assert (keyring.cached, opened) == (2, [f"v{i}" for i in range(5)])


def test_corrupt_key_record_is_a_keyring_error(tmp_path: Path) -> None:
    """A subject row that is not a keyring record raises KeyringError naming the file and
    the subject."""
    _, _, enc = make(tmp_path)
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    with contextlib.closing(sqlite3.connect(tmp_path / "keyring" / "keys.db")) as db, db:
        db.execute("UPDATE subjects SET wrapped = 'garbage' WHERE subj = 'user:42'")
    with pytest.raises(KeyringError, match=r"keys\.db: the row of subject 'user:42' is not a"):
        reopen(tmp_path).open(env, event_id="ev-1", field="f")


def test_corrupt_key_database_is_a_keyring_error(tmp_path: Path) -> None:
    """A keys.db that is not an SQLite database raises KeyringError naming the file."""
    make(tmp_path)[2].seal("alice", event_id="ev-1", field="f", subject="user:42")
    (tmp_path / "keyring" / "keys.db").write_bytes(b"garbage" * 1000)
    with pytest.raises(KeyringError, match=r"keys\.db: not a usable logyard keyring database"):
        reopen(tmp_path)


def test_subject_for_is_keyed_and_normalized(tmp_path: Path) -> None:
    """One phone in two spellings and one email in two cases give one id; another keyring
    gives another id; the id does not contain the value."""
    _, keyring, _ = make(tmp_path / "a")
    _, other, _ = make(tmp_path / "b")
    phones = {keyring.subject_for(p, "phone") for p in ("+7 (916) 123-45-67", "8 916 123 45 67")}
    emails = {keyring.subject_for(e, "email") for e in ("Alice@Example.com", " alice@example.com")}
    (phone,), (email,) = phones, emails
    assert (
        phone.startswith("phone:"),
        email.startswith("email:"),
        "alice" in email,
        other.subject_for("alice@example.com", "email") == email,
        reopen(tmp_path / "a").keyring.subject_for("alice@example.com", "email") == email,
    ) == (True, True, False, False, True)
