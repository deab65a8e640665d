"""Unpadded base64url (RFC 4648 §5), as JOSE writes binary fields.

Standard library only: producer signatures (:mod:`logyard.security.chain`, used by the
SDK) and field encryption (:mod:`logyard.security.crypto`) share it.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["b64decode", "b64encode"]

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64encode(data: bytes) -> str:
    """``data`` as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """The bytes of unpadded base64url ``text``; ``ValueError`` when it is not that."""
    if not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the pattern above rules this out
        raise ValueError("not unpadded base64url") from exc
