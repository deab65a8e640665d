"""Subject ids: a keyed hash of a personal value, so the id itself is not personal data.

``email:3f9a…`` is HMAC-SHA256 (keyed by the keyring's subject key) over the kind and the
normalized value, truncated to 128 bits. Without the key, nobody can test a guessed email
against an id; with it, ``logyard forget`` can find a person's subject from their email.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

__all__ = ["KIND", "normalize_value", "subject_id"]

KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")


def normalize_value(value: str, kind: str) -> str:
    """The canonical form of ``value`` so that spellings of one person's value agree.

    Every kind: NFKC, surrounding whitespace removed. ``email``: case-folded. ``phone``:
    digits only, a Russian trunk prefix ``8`` on 11 digits read as ``7`` (``8 916 …`` and
    ``+7 (916) …`` are one number).
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if kind == "email":
        return text.casefold()
    if kind == "phone":
        digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
        return "7" + digits[1:] if len(digits) == 11 and digits[0] == "8" else digits
    return text


def subject_id(key: bytes, value: str, kind: str) -> str:
    """``<kind>:<32 hex>``, the keyed hash of ``value`` of ``kind``."""
    if not isinstance(kind, str) or not KIND.fullmatch(kind):
        raise ValueError("kind: expected 1-32 of a-z, 0-9, '_' starting with a letter, e.g. email")
    if not isinstance(value, str):
        raise TypeError(f"value: expected str, got {type(value).__name__}")
    normalized = normalize_value(value, kind)
    if not normalized:
        raise ValueError(f"value: empty once normalized as {kind}; pass a real {kind}")
    message = kind.encode("ascii") + b"\0" + normalized.encode("utf-8", "surrogatepass")
    return f"{kind}:{hmac.new(key, message, hashlib.sha256).hexdigest()[:32]}"
