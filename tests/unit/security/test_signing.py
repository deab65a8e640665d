"""Producer signatures: canonical form, sign/verify, and the signature policy."""

from __future__ import annotations

import base64
import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logyard.errors import ConfigError
from logyard.security.chain import (
    ServiceKey,
    SignaturePolicy,
    Verdict,
    attach_signature,
    canonical_json,
    keyring_from_env,
    sign_event,
    verify_event,
)
from logyard.security.chain._canonical import (
    decode_canonical,
    encode_canonical,
    es_number,
)

KEY = ServiceKey("shop-2026", b"k" * 32)
OTHER = ServiceKey("shop-2025", b"o" * 32)
EVENT = {
    "@timestamp": "2026-11-26T05:29:26.123Z",
    "event.id": "0193-a",
    "event.action": "order.created",
    "service.name": "shop-api",
    "order.amount": 1250.5,
    "message": "заказ создан",
}


def signed(event: dict[str, object], key: ServiceKey = KEY) -> bytes:
    return attach_signature(json.dumps(event).encode(), key)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (4.5, "4.5"),
        (0.002, "0.002"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (333333333.33333329, "333333333.3333333"),
        (-1.5e-300, "-1.5e-300"),
    ],
)
def test_numbers_are_written_as_ecmascript_writes_them(value: float, text: str) -> None:
    """Doubles follow RFC 8785's number serialization (ECMAScript's)."""
    assert text == es_number(value)


def test_canonical_form_sorts_keys_and_drops_whitespace() -> None:
    """The canonical form does not depend on key order or whitespace, and keeps UTF-8 raw."""
    a = json.loads('{"b": [1, 2.0, "\\u00e9\\n"], "a": {"y": null, "x": true}}')
    assert canonical_json(a) == b'{"a":{"x":true,"y":null},"b":[1,2,"\xc3\xa9\\n"]}'


def test_signed_event_is_accepted() -> None:
    """An event signed with the service's key verifies and names the key."""
    assert Verdict(True, None, "shop-2026") == verify_event(signed(EVENT), [KEY])


def test_signature_survives_reencoding() -> None:
    """Key order and whitespace of the transport do not matter: what is signed is canonical."""
    doc = json.loads(signed(EVENT))
    reordered = json.dumps(dict(reversed(list(doc.items()))), indent=2).encode()
    assert verify_event(reordered, [KEY]).accept


def test_changed_field_is_forged() -> None:
    """Changing any field after signing makes the event forged."""
    doc = json.loads(signed(EVENT))
    doc["order.amount"] = 1.5
    assert verify_event(doc, [KEY]).reason == "forged"


def test_event_without_signature_is_unsigned() -> None:
    """No ``labels.sig``: unsigned."""
    assert verify_event(json.dumps(EVENT).encode(), [KEY]).reason == "unsigned"


def test_key_not_in_keyring_is_unknown_key() -> None:
    """A signature by a key id the service does not have: unknown_key."""
    assert (
        verify_event(signed(EVENT, OTHER), [KEY]).reason,
        verify_event(signed(EVENT, OTHER), [KEY]).kid,
    ) == ("unknown_key", "shop-2025")


def test_malformed_signature_is_forged() -> None:
    """A ``labels.sig`` that is not ``v1:<kid>:<mac>`` is forged."""
    doc = {**EVENT, "labels": {"sig": "v1:shop-2026:not base64!"}}
    assert verify_event(doc, [KEY]).reason == "forged"


def test_signature_is_the_one_sign_event_computes() -> None:
    """``sign_event`` gives what ``attach_signature`` stores, and other labels stay covered."""
    event = {**EVENT, "labels": {"tenant": "ru"}}
    doc = json.loads(attach_signature(event, KEY))
    assert (sign_event(event, KEY), {"tenant": "ru"}) == (
        doc["labels"]["sig"],
        {k: v for k, v in doc["labels"].items() if k != "sig"},
    )


def test_policy_quarantines_required_services() -> None:
    """A service that must sign: signed accepted; unsigned, forged, unknown key quarantined."""
    policy = SignaturePolicy({"shop-api": [KEY]})
    forged = json.loads(signed(EVENT))
    forged["message"] = "x"
    assert [
        policy.check("shop-api", signed(EVENT)).accept,
        policy.check("shop-api", json.dumps(EVENT).encode()).reason,
        policy.check("shop-api", forged).reason,
        policy.check("shop-api", signed(EVENT, OTHER)).reason,
    ] == [True, "unsigned", "forged", "unknown_key"]


def test_policy_rollout_accepts_unsigned_but_not_forged() -> None:
    """A service with keys that is not required yet may send unsigned events; a signature it
    sends must still be valid."""
    policy = SignaturePolicy({"shop-api": [KEY]}, required=())
    forged = json.loads(signed(EVENT))
    forged["message"] = "x"
    assert (
        policy.check("shop-api", json.dumps(EVENT).encode()).accept,
        policy.check("shop-api", forged).reason,
    ) == (True, "forged")


def test_policy_accepts_services_not_asked_to_sign() -> None:
    """Events of services without keys and not required are accepted as they are."""
    policy = SignaturePolicy({"shop-api": [KEY]})
    assert policy.check("mes", json.dumps(EVENT).encode()).accept


def test_keyring_from_env() -> None:
    """``LOGYARD_SIGNING_KEYS_<SERVICE>`` holds ``kid:base64`` entries per service."""
    secret = base64.b64encode(b"s" * 32).decode()
    keys = keyring_from_env({"LOGYARD_SIGNING_KEYS_SHOP_API": f"a:{secret}, b:{secret}"})
    assert {"shop-api": [ServiceKey("a", b"s" * 32), ServiceKey("b", b"s" * 32)]} == keys


def test_keyring_entry_without_kid_is_a_config_error() -> None:
    """A bad entry names the variable and shows the expected form."""
    with pytest.raises(ConfigError, match="LOGYARD_SIGNING_KEYS_MES: an entry is not kid"):
        keyring_from_env({"LOGYARD_SIGNING_KEYS_MES": "c2VjcmV0"})


def test_key_repr_hides_the_secret() -> None:
    """A key's repr names it and never shows the secret."""
    assert repr(KEY) == "ServiceKey(kid='shop-2026')"


def test_short_secret_is_refused() -> None:
    """Secrets under 16 bytes are refused with a hint."""
    with pytest.raises(ConfigError, match="at least 16"):
        ServiceKey("k", b"short")


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _json_values, max_size=6))
def test_one_pass_canonical_form_equals_the_walk(doc: dict[str, object]) -> None:
    """The processor's one-decode path (floats written while decoding, big integers sent to
    the full walk) gives exactly the bytes of ``canonical_json`` on the decoded document,
    for any JSON object: signatures never depend on which path computed them."""
    raw = msgspec.json.encode(doc)
    assert encode_canonical(decode_canonical(raw)) == canonical_json(msgspec.json.decode(raw))


_KEY = ServiceKey("shop-1", b"0123456789abcdef0123456789abcdef")


def _claimed(raw: bytes) -> object:
    labels = msgspec.json.decode(raw).get("labels")
    return labels.get("sig") if isinstance(labels, dict) else None


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=5), st.booleans())
def test_sdk_signed_bytes_verify_on_the_fast_path(extra: dict[str, object], labels: bool) -> None:
    """What ``attach_signature`` writes is accepted, and — unless a nested ``labels`` key
    makes the shortcut decline — from its own bytes: the cut bytes are exactly the
    canonical form the MAC covers."""
    from logyard.security.chain._signing import _unsigned_in_place, signing_payload

    doc: dict[str, object] = {"event.action": "order.created", "params": extra}
    if labels:
        doc["labels"] = {"team": "web", "n": 1.5}
    raw = attach_signature(doc, _KEY)
    claimed = _claimed(raw)
    assert isinstance(claimed, str)
    cut = _unsigned_in_place(raw, claimed)
    if b'"labels":' not in raw.replace(b'"labels":{', b"", 1) or cut is not None:
        assert cut == signing_payload(raw)  # declines only when a second labels key exists
    assert verify_event(raw, [_KEY], claimed=claimed).accept


def _mutations(raw: bytes, sig: str) -> list[bytes]:
    member = f'"sig":"{sig}"'.encode()
    without = raw.replace(b"," + member, b"").replace(member + b",", b"")
    without = without.replace(b'"labels":{' + member + b"}", b"")
    return [
        raw.replace(member, b'"sag":"x"', 1) + b"",  # signature renamed
        without.replace(b'"params":{', b'"params":{' + member + b",", 1),  # sig moved to params
        without.replace(b"{", b'{"labels":{' + member + b"},", 1),  # a second labels object
        raw.replace(b'"order.created"', b'"order.changed"'),  # content changed
        raw.replace(b"}", b',"labels":{"x":1}}', 1),  # trailing duplicate labels
        raw[:-1] + b',"labels":{' + member + b"}}",  # labels replaced at the end
        raw.replace(b'"team":"web"', b'"team":"ops"'),  # a label changed
    ]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=5), st.booleans())
def test_the_fast_path_accepts_nothing_the_canonical_check_rejects(
    extra: dict[str, object], labels: bool
) -> None:
    """Differential check on tampered bytes: whenever the fast path (signature cut out of
    the raw bytes) accepts, the reference check (decode, drop labels.sig, canonicalize)
    accepts the same bytes too — the shortcut never lets a forged event through."""
    doc: dict[str, object] = {"event.action": "order.created", "params": extra}
    if labels:
        doc["labels"] = {"team": "web"}
    raw = attach_signature(doc, _KEY)
    claimed = _claimed(raw)
    assert isinstance(claimed, str)
    for tampered in _mutations(raw, claimed):
        try:
            got = _claimed(tampered)
        except (msgspec.DecodeError, AttributeError):
            continue
        fast = verify_event(tampered, [_KEY], claimed=got)
        reference = verify_event(tampered, [_KEY])
        assert not fast.accept or reference.accept, tampered


def _bad_macs(mac: str) -> list[str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(mac[-1])
    return [
        mac[:4] + "!!" + mac[4:],  # junk inside: a lenient decoder skips it
        mac[:4] + " " + mac[4:],
        mac + "=",  # padding
        mac[:-1] + alphabet[last ^ 1],  # same bytes, non-zero unused trailing bits
    ]


@pytest.mark.parametrize("index", range(4))
def test_junk_inside_the_mac_is_forged_on_both_paths(index: int) -> None:
    """A MAC that is not exactly the strict unpadded base64url ``_mac`` writes (junk
    characters inside a valid MAC, padding, a second spelling of the same bytes) is
    forged — from the raw canonical bytes with ``claimed`` (the fast path) and from a
    re-encoded event (the canonical path) — while the untouched MAC is accepted on both."""
    raw = signed(EVENT)
    good = json.loads(raw)["labels"]["sig"]
    mac = good.split(":")[2]
    assert len(mac) == 43
    bad = f"v1:{KEY.kid}:{_bad_macs(mac)[index]}"
    tampered = raw.replace(good.encode(), bad.encode())
    doc = json.loads(tampered)
    assert doc["labels"]["sig"] == bad
    reencoded = json.dumps(doc, indent=2).encode()
    assert [
        verify_event(raw, [KEY], claimed=good).accept,
        verify_event(json.dumps(json.loads(raw), indent=2).encode(), [KEY]).accept,
        verify_event(tampered, [KEY], claimed=bad).reason,
        verify_event(tampered, [KEY]).reason,
        verify_event(reencoded, [KEY]).reason,
        verify_event(doc, [KEY]).reason,
    ] == [True, True, "forged", "forged", "forged", "forged"]
