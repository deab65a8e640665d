"""``forget_command`` and ``rotate_command``: what ``logyard forget`` and key rotation print
and return."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from logyard.security.crypto import (
    Encryptor,
    SubjectForgotten,
    forget_command,
    open_local_keyring,
    rotate_command,
)


def run_forget(data_dir: Path, subject: str, kind: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = forget_command(data_dir, subject, kind=kind, environ={}, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    enc = Encryptor(open_local_keyring(tmp_path, environ={}))
    enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    subject = enc.subject_for("bob@example.com", "email")
    enc.seal("bob@example.com", event_id="ev-2", field="user.email", subject=subject)
    return tmp_path


def test_forget_known_subject(data_dir: Path) -> None:
    """Forgetting a known subject exits 0 and says its originals are unrecoverable."""
    code, out, err = run_forget(data_dir, "user:42")
    assert (code, "user:42" in out, "unrecoverable" in out, err) == (0, True, True, "")


def test_forget_twice_is_idempotent(data_dir: Path) -> None:
    """A second forget of the same subject exits 0 and says it was already forgotten."""
    run_forget(data_dir, "user:42")
    code, out, _ = run_forget(data_dir, "user:42")
    assert (code, "already forgotten" in out) == (0, True)


def test_forget_unknown_subject_exits_1(data_dir: Path) -> None:
    """An unknown subject exits 1 with an Error line on stderr and forgets nothing."""
    code, out, err = run_forget(data_dir, "user:999")
    assert (code, out, err.startswith("Error: subject user:999: unknown")) == (1, "", True)


def test_forget_by_value_and_kind_never_prints_the_value(data_dir: Path) -> None:
    """With kind='email' the value is hashed to its subject; neither output shows the email."""
    code, out, err = run_forget(data_dir, "Bob@Example.com", kind="email")
    status = open_local_keyring(data_dir, environ={}).status(out.split()[1].rstrip(":"))
    assert (code, "bob" in (out + err).lower(), status) == (0, False, "forgotten")


def test_forget_invalid_subject_is_a_usage_error(data_dir: Path) -> None:
    """A subject id that is not one (an email passed without kind) exits 2."""
    code, _, err = run_forget(data_dir, "bob@example.com")
    assert (code, err.startswith("Error: subject:")) == (2, True)


def test_forget_without_keyring_exits_1(tmp_path: Path) -> None:
    """A data dir with no keyring exits 1 and says so."""
    code, _, err = run_forget(tmp_path, "user:42")
    assert (code, "no keyring" in err) == (1, True)


def test_forget_then_open_fails(data_dir: Path) -> None:
    """After the command, the subject's envelopes raise SubjectForgotten in a fresh keyring."""
    enc = Encryptor(open_local_keyring(data_dir, environ={}))
    env = enc.seal("alice 2", event_id="ev-9", field="f", subject="user:42")
    run_forget(data_dir, "user:42")
    with pytest.raises(SubjectForgotten):
        Encryptor(open_local_keyring(data_dir, environ={})).open(env, event_id="ev-9", field="f")


def test_rotate_command_with_retire(data_dir: Path) -> None:
    """Rotation with retire leaves one master key and every envelope still opens."""
    enc = Encryptor(open_local_keyring(data_dir, environ={}))
    env = enc.seal("carol", event_id="ev-3", field="f", subject="user:7")
    out = io.StringIO()
    code = rotate_command(data_dir, retire=True, stdout=out, stderr=io.StringIO())
    keyring = open_local_keyring(data_dir, environ={})
    opened = Encryptor(keyring).open(env, event_id="ev-3", field="f")
    assert (code, "retired" in out.getvalue(), len(keyring.master_kids()), opened) == (
        0,
        True,
        1,
        "carol",
    )
