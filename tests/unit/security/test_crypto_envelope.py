"""Envelopes: round trip, binding to event/field/subject, tamper detection, shape checks."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logyard.security.crypto import (
    Encryptor,
    EnvelopeInvalid,
    Keyring,
    LocalKMS,
    parse_envelope,
)
from logyard.security.crypto._base64url import b64decode, b64encode


def make_encryptor(tmp_path: Path) -> Encryptor:
    kms = LocalKMS.create(tmp_path / "master.key")
    return Encryptor(Keyring(tmp_path / "keyring", kms))


@pytest.fixture
def enc(tmp_path: Path) -> Encryptor:
    return make_encryptor(tmp_path)


def test_round_trip(enc: Encryptor) -> None:
    """A sealed value opens to the same text at the same event and field."""
    env = enc.seal("alice@example.com", event_id="ev-1", field="user.email", subject="user:42")
    assert enc.open(env, event_id="ev-1", field="user.email") == "alice@example.com"


def test_envelope_is_the_documented_json_object(enc: Encryptor) -> None:
    """The envelope has exactly v, alg, kid, subj, nonce, ct and survives JSON unchanged."""
    env = enc.seal("x", event_id="ev-1", field="f", subject="user:42")
    shape = (sorted(env), env["v"], env["alg"], env["subj"], len(b64decode(env["nonce"])))
    assert (shape, json.loads(json.dumps(env))) == (
        (["alg", "ct", "kid", "nonce", "subj", "v"], 1, "A256GCM", "user:42", 12),
        env,
    )


def test_two_seals_of_one_value_differ(enc: Encryptor) -> None:
    """Each seal uses a fresh nonce, so equal values do not give equal ciphertexts."""
    a = enc.seal("same", event_id="ev-1", field="f", subject="user:42")
    b = enc.seal("same", event_id="ev-1", field="f", subject="user:42")
    assert (a["nonce"] != b["nonce"], a["ct"] != b["ct"]) == (True, True)


def test_wrong_event_id_fails(enc: Encryptor) -> None:
    """An envelope copied to another event does not open."""
    env = enc.seal("alice", event_id="ev-1", field="user.name", subject="user:42")
    with pytest.raises(EnvelopeInvalid, match="ev-2"):
        enc.open(env, event_id="ev-2", field="user.name")


def test_wrong_field_fails(enc: Encryptor) -> None:
    """An envelope copied to another field of the same event does not open."""
    env = enc.seal("alice", event_id="ev-1", field="user.name", subject="user:42")
    with pytest.raises(EnvelopeInvalid, match="does not authenticate"):
        enc.open(env, event_id="ev-1", field="user.email")


def test_event_and_field_boundary_is_bound(enc: Encryptor) -> None:
    """Moving characters between event id and field changes the AAD (no concatenation clash)."""
    env = enc.seal("alice", event_id="ev-1", field="ab", subject="user:42")
    with pytest.raises(EnvelopeInvalid):
        enc.open(env, event_id="ev-1a", field="b")


def test_envelope_moved_to_another_subject_fails(enc: Encryptor) -> None:
    """Relabelling an envelope with another subject (with or without its kid) fails."""
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    other = enc.seal("bob", event_id="ev-1", field="f", subject="user:43")
    moved = dict(env, subj="user:43")
    moved_with_kid = dict(env, subj="user:43", kid=other["kid"])
    failures = []
    for candidate in (moved, moved_with_kid):
        with pytest.raises(EnvelopeInvalid) as info:
            enc.open(candidate, event_id="ev-1", field="f")
        failures.append(type(info.value))
    assert failures == [EnvelopeInvalid, EnvelopeInvalid]


@pytest.mark.parametrize("member", ["ct", "nonce"])
def test_flipped_byte_fails(enc: Encryptor, member: str) -> None:
    """Flipping one bit of the ciphertext, tag or nonce raises EnvelopeInvalid."""
    env = enc.seal("alice@example.com", event_id="ev-1", field="f", subject="user:42")
    raw = bytearray(b64decode(env[member]))
    raw[len(raw) // 2] ^= 0x01
    with pytest.raises(EnvelopeInvalid):
        enc.open(dict(env, **{member: b64encode(bytes(raw))}), event_id="ev-1", field="f")


def _broken(env: dict[str, Any]) -> list[object]:
    bad: list[object] = ["not an object", None]
    for key, value in [
        ("v", 2),
        ("v", True),
        ("alg", "A128GCM"),
        ("kid", "dk_short"),
        ("subj", "alice@example.com"),
        ("nonce", "AAAA"),
        ("nonce", "not base64!"),
        ("ct", "AAAA"),
        ("ct", 17),
    ]:
        bad.append(dict(env, **{key: value}))
    missing = dict(env)
    del missing["ct"]
    bad += [missing, dict(env, extra=1)]
    return bad


def test_malformed_envelopes_are_rejected_by_name(enc: Encryptor) -> None:
    """Every malformed variant raises EnvelopeInvalid whose message starts with 'envelope:'."""
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    messages = []
    for candidate in _broken(env):
        with pytest.raises(EnvelopeInvalid) as info:
            enc.open(candidate, event_id="ev-1", field="f")  # type: ignore[arg-type]
        messages.append(str(info.value).startswith("envelope:"))
    assert messages == [True] * len(messages)


def test_open_does_not_modify_the_envelope(enc: Encryptor) -> None:
    """Opening reads the envelope only; the stored object is unchanged."""
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    before = copy.deepcopy(env)
    enc.open(env, event_id="ev-1", field="f")
    assert env == before


def test_parse_envelope_repr_hides_ciphertext(enc: Encryptor) -> None:
    """A parsed envelope's repr names kid and subject and only the ciphertext's length."""
    env = enc.seal("alice", event_id="ev-1", field="f", subject="user:42")
    assert env["ct"] not in repr(parse_envelope(env))


def test_bad_arguments_are_value_errors(enc: Encryptor) -> None:
    """Empty event ids and fields, and subject ids that look like personal data, are refused."""
    errors = []
    for kwargs in (
        {"event_id": "", "field": "f", "subject": "user:42"},
        {"event_id": "ev", "field": "", "subject": "user:42"},
        {"event_id": "ev", "field": "f", "subject": "alice@example.com"},
    ):
        with pytest.raises(ValueError, match=r"^(event_id|field|subject):") as info:
            enc.seal("x", **kwargs)
        errors.append(type(info.value))
    assert errors == [ValueError] * 3


def test_round_trip_any_unicode(tmp_path: Path) -> None:
    """Any Python string, lone surrogates and NULs included, seals and opens unchanged."""
    enc = make_encryptor(tmp_path)

    @settings(max_examples=200, deadline=None)
    @given(
        value=st.text(st.characters(exclude_categories=())),
        event_id=st.text(min_size=1),
        field=st.text(min_size=1),
    )
    def check(value: str, event_id: str, field: str) -> None:
        env = enc.seal(value, event_id=event_id, field=field, subject="user:42")
        assert enc.open(env, event_id=event_id, field=field) == value

    check()
