"""Producer signatures: HMAC-SHA256 with a per-service key, carried in ``labels.sig``.

What is signed is the event's canonical form (RFC 8785, see :mod:`._canonical`) **without**
the signature: ``labels.sig`` is removed, and ``labels`` too when nothing else is left in it,
so a producer signs the event it built and adds the signature afterwards.

The signature is ``v1:<key id>:<base64url HMAC-SHA256, no padding>``, e.g.
``v1:shop-2026:Zx3...``; the key id picks one of the service's keys, so keys rotate by adding
the new one to the keyring before producers switch to it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from logyard._base64url import b64decode, b64encode
from logyard.errors import ConfigError
from logyard.security.chain._canonical import (
    canonical_json,
    decode_canonical,
    encode_canonical,
    prepare_canonical,
)

__all__ = [
    "SIGNATURE_FIELD",
    "ServiceKey",
    "SignaturePolicy",
    "Verdict",
    "attach_signature",
    "keyring_from_env",
    "sign_event",
    "signing_payload",
    "verify_event",
]

#: Where the signature travels: ``doc["labels"]["sig"]`` (shown as ``labels.sig``).
SIGNATURE_FIELD = "labels.sig"
_VERSION = "v1"
_KID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_DECODE = msgspec.json.Decoder()
_ENCODE = msgspec.json.Encoder()

Reason = Literal["unsigned", "forged", "unknown_key"]


@dataclass(frozen=True, slots=True)
class ServiceKey:
    """One HMAC key of a service: ``kid`` names it inside signatures. The secret never
    shows in a repr."""

    kid: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KID.match(self.kid):
            raise ConfigError(
                f"signing key {self.kid!r}: not a key id; use 1-64 letters, digits, '_', '.', '-'"
            )
        if len(self.secret) < 16:
            raise ConfigError(
                f"signing key {self.kid}: secret is {len(self.secret)} bytes; use at least 16 "
                "random bytes (32 recommended)"
            )


def _as_dict(doc: bytes | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(doc, Mapping):
        return dict(doc)
    value = _DECODE.decode(doc)
    if not isinstance(value, dict):
        raise msgspec.DecodeError("an event is a JSON object")
    return value


def _unsigned(doc: bytes | Mapping[str, Any]) -> tuple[bytes, object]:
    """The canonical bytes of the event without ``labels.sig``, and the signature (or
    ``None``). From bytes in one decode (the processor's path); ``msgspec.DecodeError``
    when ``doc`` is not a JSON object, ``TypeError``/``ValueError`` for a value JSON cannot
    carry."""
    if isinstance(doc, Mapping):
        event, signature = _split(dict(doc))
        return canonical_json(event), signature
    event = decode_canonical(doc)
    if not isinstance(event, dict):
        raise msgspec.DecodeError("an event is a JSON object")
    labels = event.get("labels")  # freshly decoded, ours to change in place
    if not isinstance(labels, dict) or "sig" not in labels:
        return encode_canonical(event), None
    signature = labels.pop("sig")
    if not labels:
        del event["labels"]
    return encode_canonical(event), signature


def _split(event: dict[str, Any]) -> tuple[dict[str, Any], object]:
    """The event without its signature, and the signature (or ``None``)."""
    labels = event.get("labels")
    if not isinstance(labels, dict) or "sig" not in labels:
        return event, None
    rest = {k: v for k, v in labels.items() if k != "sig"}
    out = {k: v for k, v in event.items() if k != "labels"}
    if rest:
        out["labels"] = rest
    return out, labels["sig"]


def signing_payload(doc: bytes | Mapping[str, Any]) -> bytes:
    """The bytes a signature covers: the canonical form of the event without ``labels.sig``."""
    return _unsigned(doc)[0]


def _mac(payload: bytes, key: ServiceKey) -> str:
    """The unpadded base64url HMAC-SHA256 of ``payload`` (the third part of a signature)."""
    return b64encode(hmac.digest(key.secret, payload, hashlib.sha256))


def sign_event(doc: bytes | Mapping[str, Any], key: ServiceKey) -> str:
    """The signature of an event (JSON bytes or decoded), to put in ``labels.sig``."""
    return f"{_VERSION}:{key.kid}:{_mac(signing_payload(doc), key)}"


def attach_signature(doc: bytes | Mapping[str, Any], key: ServiceKey) -> bytes:
    """The event as JSON bytes with its signature in ``labels.sig`` (for SDKs and tests).

    The bytes are the canonical form of the signed event itself (keys sorted), so the
    processor can check the signature on them without re-encoding (see
    :func:`verify_event`); any other encoding of the same event verifies too, slower.
    """
    if isinstance(doc, Mapping):
        event = prepare_canonical(dict(doc))
    else:
        event = decode_canonical(doc)
        if not isinstance(event, dict):
            raise msgspec.DecodeError("an event is a JSON object")
    labels = event.get("labels")
    labels = {k: v for k, v in labels.items() if k != "sig"} if isinstance(labels, dict) else {}
    if labels:
        event["labels"] = labels
    else:
        event.pop("labels", None)
    signature = f"{_VERSION}:{key.kid}:{_mac(encode_canonical(event), key)}"
    event["labels"] = {**labels, "sig": signature}
    return encode_canonical(event)


_SIG_MEMBER = b'"sig":"v1:'
_LABELS_KEY = b'"labels":'
_ONLY_SIG = b'"labels":{'


def _unsigned_in_place(raw: bytes, claimed: str) -> bytes | None:
    """The bytes a producer signed, cut out of ``raw`` when ``raw`` is the canonical form
    of the signed event (what :func:`attach_signature` writes): ``raw`` without its one
    ``"sig":"…"`` member (and without ``"labels":{…}`` when the signature was all of it).

    ``None`` when the shape does not allow it (two ``"sig":"v1:`` or ``"labels":`` keys, a
    signature unlike ``claimed`` — the ``labels.sig`` the caller decoded from ``raw``);
    then the caller takes the canonical path. Sound because a match of the MAC over the
    cut bytes means the producer signed exactly them, and a member starting with ``"``
    cannot be inserted into a JSON string without breaking it: the decoded event is the
    signed one plus ``labels.sig``.
    """
    start = raw.find(_SIG_MEMBER)
    if start < 0 or raw.find(_SIG_MEMBER, start + 1) >= 0:
        return None
    if raw.count(_LABELS_KEY) != 1:
        return None
    value_start = start + 7  # after "sig":"
    end = raw.find(b'"', value_start)
    if end < 0 or raw[value_start:end] != claimed.encode("ascii", "replace"):
        return None
    lo, hi = start, end + 1
    if raw[lo - len(_ONLY_SIG) : lo] == _ONLY_SIG and raw[hi : hi + 1] == b"}":
        lo, hi = lo - len(_ONLY_SIG), hi + 1  # labels held only the signature
    if raw[lo - 1 : lo] == b",":
        lo -= 1
    elif raw[hi : hi + 1] == b",":
        hi += 1
    else:
        return None
    return raw[:lo] + raw[hi:]


def _parse(signature: object) -> tuple[str, bytes] | None:
    """The key id and MAC of a ``v1:<kid>:<mac>`` signature; ``None`` when it is not one.

    The MAC must be exactly what :func:`_mac` writes: strict unpadded base64url (a character
    outside the alphabet is refused, not skipped) of 32 bytes, in its one canonical
    spelling (unused trailing bits zero), so the canonical path accepts no MAC text the
    fast path, which compares the text, would refuse."""
    if not isinstance(signature, str):
        return None
    parts = signature.split(":")
    if len(parts) != 3 or parts[0] != _VERSION or not _KID.match(parts[1]):
        return None
    try:
        mac = b64decode(parts[2])
    except ValueError:
        return None
    if len(mac) != 32 or b64encode(mac) != parts[2]:
        return None
    return parts[1], mac


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the signature check decided: ``accept`` is true, or ``reason`` says why the event
    goes to quarantine (``unsigned``, ``forged``, ``unknown_key``); ``kid`` is the key used."""

    accept: bool
    reason: Reason | None = None
    kid: str | None = None
    detail: str = ""


_ACCEPT = Verdict(True)
_ACCEPTED: dict[str, Verdict] = {}


def _accepted(kid: str) -> Verdict:
    """The (immutable) accept verdict of key ``kid``, made once."""
    verdict = _ACCEPTED.get(kid)
    if verdict is None:
        verdict = _ACCEPTED[kid] = Verdict(True, None, kid)
    return verdict


def verify_event(
    doc: bytes | Mapping[str, Any], keys: Iterable[ServiceKey], *, claimed: object = None
) -> Verdict:
    """Check ``labels.sig`` against the service's ``keys``. A malformed signature or event is
    ``forged``; a key id the service does not have is ``unknown_key``.

    ``claimed``: the ``labels.sig`` the caller already decoded from ``doc`` (bytes); with
    it, an event in its canonical form is checked on its own bytes without decoding it
    again (the processor's fast path)."""
    if isinstance(claimed, str) and isinstance(doc, bytes) and claimed.count(":") == 2:
        version, kid, mac_text = claimed.split(":")
        signed = _unsigned_in_place(doc, claimed) if version == _VERSION else None
        if signed is not None:
            for candidate in keys:
                if candidate.kid == kid:
                    expected = _mac(signed, candidate).encode("ascii")
                    if hmac.compare_digest(expected, mac_text.encode("ascii", "replace")):
                        return _accepted(kid)
                    break  # a wrong or malformed MAC: the canonical path says why
    try:
        payload, signature = _unsigned(doc)
    except msgspec.DecodeError:
        return Verdict(False, "forged", detail="the event is not a JSON object")
    except (TypeError, ValueError) as exc:
        return Verdict(False, "forged", detail=str(exc))
    if signature is None:
        return Verdict(False, "unsigned", detail="labels.sig is missing")
    parsed = _parse(signature)
    if parsed is None:
        return Verdict(False, "forged", detail="labels.sig is not v1:<kid>:<base64url mac>")
    kid, mac = parsed
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        return Verdict(False, "unknown_key", kid, f"key id {kid!r} is not in the keyring")
    expected = hmac.digest(key.secret, payload, "sha256")
    if not hmac.compare_digest(expected, mac):
        return Verdict(False, "forged", kid, "the signature does not match the event")
    return Verdict(True, None, kid)


class SignaturePolicy:
    """Which services must sign, with their keys.

    - a service in ``required`` must send valid signatures: unsigned, forged or signed with a
      key id it does not have goes to quarantine;
    - a service with keys but not required (a rollout) may send unsigned events, but a
      signature it does send must be valid;
    - any other service's events are accepted as they are.
    """

    def __init__(
        self,
        keys: Mapping[str, Iterable[ServiceKey]],
        *,
        required: Iterable[str] | None = None,
    ) -> None:
        """``keys``: service name → its keys. ``required``: services whose events must be
        signed (default: every service with keys)."""
        self._keys = {service: tuple(ks) for service, ks in keys.items()}
        self._required = frozenset(self._keys if required is None else required)

    def __repr__(self) -> str:
        kids = {s: [k.kid for k in ks] for s, ks in sorted(self._keys.items())}
        return f"SignaturePolicy(keys={kids}, required={sorted(self._required)})"

    @property
    def required(self) -> frozenset[str]:
        """The services whose events must be signed."""
        return self._required

    def check(
        self, service: str, doc: bytes | Mapping[str, Any], *, claimed: object = None
    ) -> Verdict:
        """Accept, or quarantine with a reason, one event of ``service`` (``claimed``: see
        :func:`verify_event`)."""
        keys = self._keys.get(service, ())
        verdict = verify_event(doc, keys, claimed=claimed)
        if verdict.accept:
            return verdict
        if service not in self._required and verdict.reason == "unsigned":
            return _ACCEPT
        if service not in self._required and not keys:
            return _ACCEPT  # nobody asked this service to sign; its labels.sig is just a label
        return verdict


def keyring_from_env(
    environ: Mapping[str, str] | None = None, *, prefix: str = "LOGYARD_SIGNING_KEYS_"
) -> dict[str, list[ServiceKey]]:
    """Per-service keys from ``LOGYARD_SIGNING_KEYS_<SERVICE>=kid:base64secret[,kid:...]``
    (the service name upper-cased, ``-`` as ``_``: ``LOGYARD_SIGNING_KEYS_SHOP_API``)."""
    env = os.environ if environ is None else environ
    out: dict[str, list[ServiceKey]] = {}
    for name, value in env.items():
        if not name.startswith(prefix) or not value.strip():
            continue
        service = name[len(prefix) :].lower().replace("_", "-")
        keys = []
        for item in value.split(","):
            kid, sep, secret = item.strip().partition(":")
            try:
                raw = base64.b64decode(secret + "=" * (-len(secret) % 4), validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if not sep or not raw:
                raise ConfigError(
                    f"{name}: an entry is not kid:base64secret; write e.g. "
                    f"{name}=k2026:$(openssl rand -base64 32)"
                )
            keys.append(ServiceKey(kid, raw))
        out[service] = keys
    return out
