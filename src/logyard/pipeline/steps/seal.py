"""Sealing the originals of masked values for the ``auditor`` (field encryption).

The data subject of an event is its actor (the original ``user.id`` or ``user.name``) when
it has one, else each value is its own subject; a forgotten subject's values are not kept.

The ingest seals a whole batch at once (:meth:`Sealer.many`): the data keys of every new
subject in the batch are created in one durable keyring write, before the first envelope
is sealed and long before the batch is acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence

from logyard.catalog import Event
from logyard.pipeline._records import SealedOriginals
from logyard.security.crypto import Encryptor
from logyard.security.mask import Original

__all__ = ["Sealer", "make_sealer"]


class Sealer:
    """Seals events' originals into ``O`` queue records' contents."""

    __slots__ = ("_encryptor",)

    def __init__(self, encryptor: Encryptor) -> None:
        self._encryptor = encryptor

    def __repr__(self) -> str:
        return f"Sealer({self._encryptor!r})"

    def __call__(self, event: Event, originals: list[Original]) -> SealedOriginals | None:
        """One event's originals (see :meth:`many` for a batch)."""
        return self.many([(event, originals)])[0]

    def many(self, pending: Sequence[tuple[Event, list[Original]]]) -> list[SealedOriginals | None]:
        """The sealed originals of each ``(event, originals)`` in order; ``None`` where
        nothing is kept (no originals, or every subject forgotten)."""
        subject_for = self._encryptor.subject_for
        items: list[tuple[str, str, str, str]] = []
        spans: list[tuple[int, int]] = []
        for event, originals in pending:
            start = len(items)
            if originals:
                actor = next(
                    (o.value for o in originals if o.path in ("user.id", "user.name")), None
                )
                actor = actor or event.user_id or event.user_name
                actor_subject = subject_for(actor, "user") if actor else None
                for o in originals:
                    subject = actor_subject or subject_for(o.value, o.rule)
                    items.append((o.value, event.event_id, o.path, subject))
            spans.append((start, len(items)))
        envelopes = self._encryptor.seal_many(items) if items else []
        out: list[SealedOriginals | None] = []
        for (event, _), (start, end) in zip(pending, spans, strict=True):
            kept = [
                (items[i][2], items[i][3], envelope)
                for i in range(start, end)
                if (envelope := envelopes[i]) is not None  # None: erased on request
            ]
            out.append(SealedOriginals(event.event_id, event.service, kept) if kept else None)
        return out


def make_sealer(encryptor: Encryptor) -> Sealer:
    """The sealer of the ingest, over ``encryptor``."""
    return Sealer(encryptor)
