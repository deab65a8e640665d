"""Error signatures: the error type plus its message with the variable parts normalized.

``TimeoutError`` + ``upstream 10.0.0.7 did not answer within 10000 ms`` and the same with
other numbers are one signature; a new wording or a new type is a new one.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["fingerprint", "normalize_message"]

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"), "<str>"),
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b"), "<hex>"),
    (re.compile(r"\d+(?:[.,]\d+)*"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def normalize_message(message: str) -> str:
    """Quoted strings, UUIDs, hex ids and numbers replaced by placeholders; spaces squeezed."""
    text = message
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text.strip()


def fingerprint(error_type: str, message: str) -> str:
    """A short stable id of ``error_type`` and the normalized ``message``."""
    key = f"{error_type}\x00{normalize_message(message)}".encode()
    return hashlib.sha256(key).hexdigest()[:16]
