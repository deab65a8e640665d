"""Sealing the originals of masked values for the ``auditor`` (field encryption).

The data subject of an event is its actor (the original ``user.id`` or ``user.name``) when
it has one, else each value is its own subject; a forgotten subject's values are not kept.
"""

from __future__ import annotations

from collections.abc import Callable

from logyard.catalog import Event
from logyard.pipeline._records import SealedOriginals
from logyard.security.crypto import Encryptor, SubjectForgotten
from logyard.security.mask import Original

__all__ = ["Sealer", "make_sealer"]

Sealer = Callable[[Event, list[Original]], SealedOriginals | None]


def make_sealer(encryptor: Encryptor) -> Sealer:
    """A function sealing one event's originals into an ``O`` queue record's content."""

    def seal(event: Event, originals: list[Original]) -> SealedOriginals | None:
        if not originals:
            return None
        actor = next((o.value for o in originals if o.path in ("user.id", "user.name")), None)
        actor = actor or event.user_id or event.user_name
        items: list[tuple[str, str, dict[str, object]]] = []
        for original in originals:
            subject = (
                encryptor.subject_for(actor, "user")
                if actor
                else encryptor.subject_for(original.value, original.rule)
            )
            try:
                envelope = encryptor.seal(
                    original.value, event_id=event.event_id, field=original.path, subject=subject
                )
            except SubjectForgotten:
                continue  # erased on request: only the masked value remains
            items.append((original.path, subject, envelope))
        return SealedOriginals(event.event_id, event.service, items) if items else None

    return seal
