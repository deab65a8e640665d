"""Unpadded base64url (RFC 4648 §5): see :mod:`logyard._base64url`, re-exported here."""

from __future__ import annotations

from logyard._base64url import b64decode, b64encode

__all__ = ["b64decode", "b64encode"]
