"""The errors of field encryption, a branch of the ``LogyardError`` tree.

::

    LogyardError
    └── EncryptionError           field encryption or its keys failed
        ├── EnvelopeInvalid       an envelope is malformed, altered, or moved elsewhere
        ├── KeyringError          the keyring or a master key cannot be read or used
        └── SubjectForgotten      the subject's data key is gone (crypto-shredded)

Messages name event ids, field paths, subject ids and key ids, never a value or a key.
"""

from __future__ import annotations

from typing import Literal

from logyard.errors import LogyardError

__all__ = ["EncryptionError", "EnvelopeInvalid", "KeyringError", "SubjectForgotten"]


class EncryptionError(LogyardError):
    """Field encryption or its keys failed."""


class EnvelopeInvalid(EncryptionError):
    """An envelope is malformed, was altered, or was moved to another event, field or subject."""


class KeyringError(EncryptionError):
    """The keyring or a master key cannot be read or used."""


class SubjectForgotten(EncryptionError):
    """The data key of ``subject`` is gone: the original is unrecoverable.

    ``reason`` is ``"forgotten"`` when the keyring holds the subject's tombstone (``forget``
    ran) and ``"unknown"`` when it never held a key for it (another keyring, or a key lost
    with its keyring).
    """

    def __init__(
        self, message: str, *, subject: str, reason: Literal["forgotten", "unknown"]
    ) -> None:
        super().__init__(message)
        self.subject = subject
        self.reason = reason
