"""Master keys: the KMS plug point, LocalKMS sources, and secrets kept out of reprs and errors."""

from __future__ import annotations

import base64
import contextlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from logyard.errors import ConfigError, LogyardError
from logyard.security.crypto import (
    MASTER_KEY_ENV,
    Encryptor,
    EnvelopeInvalid,
    KeyManagementService,
    Keyring,
    KeyringError,
    LocalKMS,
    SubjectForgotten,
    WrappedKey,
    master_key_id,
)
from logyard.security.crypto._base64url import b64encode
from logyard.security.crypto._keyring import _data_key_aad

PLAINTEXT = "SECRET-VALUE-alice.smith@example.com"


class KeyWrapKMS:
    """A second, real KMS (RFC 3394 AES key wrap, context checked by a hash prefix), to show
    the protocol is all a production KMS has to implement."""

    def __init__(self, master: bytes) -> None:
        self._master = master

    def current_master_kid(self) -> str:
        return "kw-1"

    def wrap(self, key: bytes, *, aad: bytes) -> WrappedKey:
        tag = master_key_id(aad).encode("ascii")
        return WrappedKey("kw-1", tag + aes_key_wrap(self._master, key))

    def unwrap(self, wrapped: WrappedKey, *, aad: bytes) -> bytes:
        tag = master_key_id(aad).encode("ascii")
        if not wrapped.blob.startswith(tag):
            raise KeyringError("wrapped data key: bound to another context")
        return aes_key_unwrap(self._master, wrapped.blob[len(tag) :])


def test_local_kms_satisfies_the_protocol() -> None:
    """LocalKMS and a hand-written KMS both satisfy KeyManagementService."""
    kms = LocalKMS.from_env_value(base64.b64encode(bytes(32)).decode())
    assert [isinstance(k, KeyManagementService) for k in (kms, KeyWrapKMS(bytes(32)))] == [
        True,
        True,
    ]


def test_another_kms_plugs_in(tmp_path: Path) -> None:
    """A keyring over a different KMS implementation seals and opens the same way."""
    enc = Encryptor(Keyring(tmp_path / "keyring", KeyWrapKMS(b"k" * 32)))
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    assert enc.open(env, event_id="ev-1", field="f") == "alice"


def test_wrapped_key_is_bound_to_its_subject(tmp_path: Path) -> None:
    """A wrapped data key unwrapped for another kid or subject fails (the AAD binds it)."""
    kms = LocalKMS.create(tmp_path / "master.key")
    wrapped = kms.wrap(b"d" * 32, aad=_data_key_aad("dk_a", "user:42"))
    with pytest.raises(KeyringError, match="does not authenticate"):
        kms.unwrap(wrapped, aad=_data_key_aad("dk_a", "user:43"))


def test_env_value_first_key_is_current() -> None:
    """In LOGYARD_MASTER_KEY='new,old' the first key wraps; both unwrap."""
    new, old = bytes(range(32)), bytes(32)
    kms = LocalKMS.from_env_value(f"{base64.b64encode(new).decode()}, {b64encode(old)}")
    assert (kms.current_master_kid(), kms.master_kids) == (
        master_key_id(new),
        sorted([master_key_id(new), master_key_id(old)]),
    )


@pytest.mark.parametrize("value", ["", "c2hvcnQ=", "not base64 at all!!", "QUJD" * 20])
def test_bad_env_value_is_a_config_error_without_the_value(value: str) -> None:
    """A malformed LOGYARD_MASTER_KEY is a ConfigError that names the variable, not its value."""
    with pytest.raises(ConfigError, match=MASTER_KEY_ENV) as info:
        LocalKMS.from_env_value(value)
    assert value == "" or value not in str(info.value)


def test_load_prefers_the_environment(tmp_path: Path) -> None:
    """LocalKMS.load uses the variable when set and creates no file."""
    key = base64.b64encode(bytes(32)).decode()
    kms = LocalKMS.load(tmp_path / "master.key", environ={MASTER_KEY_ENV: key})
    assert (kms.current_master_kid(), (tmp_path / "master.key").exists()) == (
        master_key_id(bytes(32)),
        False,
    )


def test_rotating_env_keys_is_refused_with_advice() -> None:
    """rotate() on env-held keys says to edit the variable instead."""
    kms = LocalKMS.from_env_value(base64.b64encode(bytes(32)).decode())
    with pytest.raises(ConfigError, match="first key is current"):
        kms.rotate()


def test_retiring_the_current_master_is_refused(tmp_path: Path) -> None:
    """The current master key cannot be retired."""
    kms = LocalKMS.create(tmp_path / "master.key")
    with pytest.raises(ConfigError, match="rotate before retiring"):
        kms.retire(kms.current_master_kid())


def test_kms_without_keys_explains_itself(tmp_path: Path) -> None:
    """A KMS loaded without any master key raises KeyringError naming the variable on use."""
    kms = LocalKMS.load(tmp_path / "master.key", environ={}, create=False)
    with pytest.raises(KeyringError, match=MASTER_KEY_ENV):
        kms.wrap(bytes(32), aad=b"x")


def test_tampered_master_file_is_a_config_error(tmp_path: Path) -> None:
    """A master key file whose key does not match its id is refused."""
    path = tmp_path / "master.key"
    LocalKMS.create(path)
    doc = json.loads(path.read_text())
    (kid,) = doc["keys"]
    doc["keys"][kid] = base64.b64encode(bytes(32)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="does not match its id"):
        LocalKMS.from_file(path)


def _secrets(tmp_path: Path) -> list[str]:
    """Every form in which a secret of this setup could leak into text."""
    master = [
        base64.b64decode(v)
        for v in json.loads((tmp_path / "master.key").read_text())["keys"].values()
    ]
    with contextlib.closing(sqlite3.connect(tmp_path / "keyring" / "keys.db")) as db:
        subj, kid, mkid, wrapped = db.execute(
            "SELECT subj, kid, mkid, wrapped FROM subjects"
        ).fetchone()
    kms = LocalKMS.from_file(tmp_path / "master.key")
    data_key = kms.unwrap(WrappedKey(mkid, wrapped), aad=_data_key_aad(kid, subj))
    forms = [PLAINTEXT, "alice.smith", b64encode(wrapped), base64.b64encode(wrapped).decode()]
    for key in [*master, data_key]:
        forms += [base64.b64encode(key).decode(), b64encode(key), key.hex(), repr(key)]
    return forms


def test_no_secret_in_reprs_or_error_messages(tmp_path: Path) -> None:
    """No plaintext, master key, data key or wrapped key appears in any repr or error message."""
    kms = LocalKMS.create(tmp_path / "master.key")
    keyring = Keyring(tmp_path / "keyring", kms)
    enc = Encryptor(keyring)
    env = enc.seal(PLAINTEXT, event_id="ev-1", field="user.email", subject="user:42")
    texts = [repr(kms), repr(keyring), repr(enc), repr(keyring.key_for_seal("user:42"))]
    texts.append(repr(kms.wrap(bytes(32), aad=b"x")))
    errors: list[LogyardError] = []
    attempts: list[Callable[[], object]] = [
        lambda: enc.open(env, event_id="ev-2", field="user.email"),
        lambda: enc.open(dict(env, ct=env["ct"][:-2] + "AA"), event_id="ev-1", field="user.email"),
        lambda: enc.open(dict(env, subj="user:43"), event_id="ev-1", field="user.email"),
    ]
    for attempt in attempts:
        with pytest.raises(LogyardError) as info:
            attempt()
        errors.append(info.value)
    forms = _secrets(tmp_path)
    keyring.forget("user:42")
    after_forget: list[Callable[[], object]] = [
        lambda: enc.open(env, event_id="ev-1", field="user.email"),
        lambda: enc.seal(PLAINTEXT, event_id="ev-3", field="user.email", subject="user:42"),
    ]
    for attempt in after_forget:
        with pytest.raises(SubjectForgotten) as forgot:
            attempt()
        errors.append(forgot.value)
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    leaks = [(form, text) for form in forms for text in texts if form in text]
    assert (leaks, [type(e) for e in errors[:2]]) == ([], [EnvelopeInvalid, EnvelopeInvalid])
