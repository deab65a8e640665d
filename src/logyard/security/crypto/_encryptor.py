"""``Encryptor``: seal a masked value's original into an envelope, and open it again."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag

from logyard.security.crypto._envelope import NONCE_BYTES, Envelope, aad_for, parse_envelope
from logyard.security.crypto._errors import EnvelopeInvalid
from logyard.security.crypto._keyring import DataKey, Keyring

__all__ = ["Encryptor"]


def _check_place(event_id: object, field: object) -> None:
    if not isinstance(event_id, str) or not event_id:
        raise ValueError("event_id: expected the event's non-empty id (event.id)")
    if not isinstance(field, str) or not field:
        raise ValueError("field: expected the non-empty path of the masked field")


def _check_value(value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(f"value: expected str, got {type(value).__name__}")


def _seal(key: DataKey, value: str, event_id: str, field: str, subject: str) -> dict[str, Any]:
    nonce = secrets.token_bytes(NONCE_BYTES)
    plaintext = value.encode("utf-8", "surrogatepass")
    ciphertext = key.aead.encrypt(nonce, plaintext, aad_for(key.kid, subject, event_id, field))
    return Envelope(key.kid, subject, nonce, ciphertext).to_dict()


class Encryptor:
    """AES-256-GCM envelopes with per-subject keys from ``keyring``.

    ``seal`` runs in the processor for each masked personal value; ``open`` is for the
    auditor's decrypt API only, and its caller logs every use as an audit event.
    """

    __slots__ = ("_keyring",)

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def __repr__(self) -> str:
        return f"Encryptor(keyring={self._keyring!r})"

    @property
    def keyring(self) -> Keyring:
        """The keyring the data keys come from."""
        return self._keyring

    def subject_for(self, value: str, kind: str) -> str:
        """The keyring's subject id for a personal value (see ``Keyring.subject_for``)."""
        return self._keyring.subject_for(value, kind)

    def seal(self, value: str, *, event_id: str, field: str, subject: str) -> dict[str, Any]:
        """Encrypt ``value`` for ``subject``, bound to ``event_id`` and ``field``.

        Raises ``SubjectForgotten`` for a forgotten subject (store only the masked value).
        """
        _check_value(value)
        _check_place(event_id, field)
        return _seal(self._keyring.key_for_seal(subject), value, event_id, field, subject)

    def seal_many(self, items: Sequence[tuple[str, str, str, str]]) -> list[dict[str, Any] | None]:
        """Seal ``(value, event_id, field, subject)`` items, one envelope per item in order,
        ``None`` for an item whose subject is forgotten.

        The missing data keys of all the items' subjects are created together, in one
        durable keyring transaction, before the first envelope is sealed.
        """
        for value, event_id, field, _ in items:
            _check_value(value)
            _check_place(event_id, field)
        keys = self._keyring.prepare(item[3] for item in items)
        sealed: list[dict[str, Any] | None] = []
        for value, event_id, field, subject in items:
            key = keys.get(subject)
            sealed.append(None if key is None else _seal(key, value, event_id, field, subject))
        return sealed

    def open(self, envelope: dict[str, Any], *, event_id: str, field: str) -> str:
        """The original sealed in ``envelope`` at ``event_id`` / ``field``.

        ``SubjectForgotten`` when the subject's key is gone; ``EnvelopeInvalid`` when the
        envelope is malformed, altered, or not from this event, field and subject.
        """
        _check_place(event_id, field)
        parsed = parse_envelope(envelope)
        key = self._keyring.key_for_open(parsed.subject, parsed.kid)
        aad = aad_for(parsed.kid, parsed.subject, event_id, field)
        try:
            plaintext = key.aead.decrypt(parsed.nonce, parsed.ciphertext, aad)
        except InvalidTag:
            raise EnvelopeInvalid(
                f"envelope at event {event_id!r}, field {field!r}: does not authenticate; it "
                "was altered, or copied from another event, field or subject — use the "
                "event's own stored envelope"
            ) from None
        return plaintext.decode("utf-8", "surrogatepass")
