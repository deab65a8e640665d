"""The envelope: one encrypted original as a small JSON object, and what it is bound to.

::

    {"v": 1, "alg": "A256GCM", "kid": "dk_…", "subj": "email:…",
     "nonce": "<b64url>", "ct": "<b64url>"}

``ct`` is the AES-256-GCM ciphertext with its 16-byte tag. The additional authenticated data
(AAD) is built by :func:`aad_for` from the version, alg, kid, subject, event id and field
path: an envelope copied to another event, field or subject, or with any header member
changed, fails to open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from logyard.security.crypto._base64url import b64decode, b64encode
from logyard.security.crypto._errors import EnvelopeInvalid

__all__ = [
    "ALG",
    "DATA_KEY_ID",
    "SUBJECT_ID",
    "VERSION",
    "Envelope",
    "aad_for",
    "check_subject",
    "parse_envelope",
]

VERSION = 1
ALG = "A256GCM"
NONCE_BYTES = 12
TAG_BYTES = 16
_KEYS = frozenset({"v", "alg", "kid", "subj", "nonce", "ct"})

SUBJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
DATA_KEY_ID = re.compile(r"dk_[a-z0-9]{26}")


def check_subject(subject: object) -> str:
    """``subject`` when it is a valid subject id, else ``ValueError`` saying what one is."""
    if not isinstance(subject, str) or not SUBJECT_ID.fullmatch(subject):
        raise ValueError(
            "subject: expected 1-128 characters of letters, digits, '.', '_', ':' or '-' "
            "starting with a letter or digit; derive one from a personal value with "
            "Keyring.subject_for(value, kind)"
        )
    return subject


def _netstring(text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return b"%d:%b," % (len(data), data)


def aad_for(kid: str, subject: str, event_id: str, field: str) -> bytes:
    """The additional authenticated data binding an envelope to its place.

    ``logyard/fe NUL 1 NUL A256GCM NUL kid NUL subj NUL`` then the event id and the field
    path as netstrings (``<length>:<utf-8>,``): ``kid`` and ``subj`` cannot hold NUL, and the
    length prefixes keep any event id and field apart, so no two places share an AAD.
    """
    head = f"logyard/fe\0{VERSION}\0{ALG}\0{kid}\0{subject}\0".encode("ascii")
    return head + _netstring(event_id) + _netstring(field)


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed envelope (its ciphertext is not secret; its repr is kept short anyway)."""

    kid: str
    subject: str
    nonce: bytes
    ciphertext: bytes

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form stored in the event."""
        return {
            "v": VERSION,
            "alg": ALG,
            "kid": self.kid,
            "subj": self.subject,
            "nonce": b64encode(self.nonce),
            "ct": b64encode(self.ciphertext),
        }

    def __repr__(self) -> str:
        return f"Envelope(kid={self.kid!r}, subject={self.subject!r}, ct={len(self.ciphertext)}B)"


def _invalid(what: str) -> EnvelopeInvalid:
    return EnvelopeInvalid(
        f"envelope: {what}; pass the object seal() returned, unchanged "
        '({"v", "alg", "kid", "subj", "nonce", "ct"})'
    )


def parse_envelope(envelope: object) -> Envelope:
    """Check the shape of a stored envelope; ``EnvelopeInvalid`` names the first problem."""
    if not isinstance(envelope, dict):
        raise _invalid(f"expected an object, got {type(envelope).__name__}")
    keys = set(envelope)
    if keys != _KEYS:
        missing, extra = sorted(_KEYS - keys), sorted(map(str, keys - _KEYS))
        raise _invalid(f"members differ (missing {missing}, unexpected {extra})")
    if envelope["v"] != VERSION or isinstance(envelope["v"], bool):
        raise _invalid(f"unsupported version (this logyard reads v={VERSION})")
    if envelope["alg"] != ALG:
        raise _invalid(f"unsupported alg (this logyard reads {ALG!r})")
    kid, subject = envelope["kid"], envelope["subj"]
    if not isinstance(kid, str) or not DATA_KEY_ID.fullmatch(kid):
        raise _invalid("kid is not a data key id")
    try:
        check_subject(subject)
    except ValueError:
        raise _invalid("subj is not a subject id") from None
    try:
        nonce = b64decode(envelope["nonce"]) if isinstance(envelope["nonce"], str) else b""
        ciphertext = b64decode(envelope["ct"]) if isinstance(envelope["ct"], str) else b""
    except ValueError:
        raise _invalid("nonce or ct is not unpadded base64url") from None
    if len(nonce) != NONCE_BYTES:
        raise _invalid(f"nonce is not {NONCE_BYTES} bytes")
    if len(ciphertext) < TAG_BYTES:
        raise _invalid(f"ct is shorter than the {TAG_BYTES}-byte tag")
    return Envelope(kid=kid, subject=subject, nonce=nonce, ciphertext=ciphertext)
