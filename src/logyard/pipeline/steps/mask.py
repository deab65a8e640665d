"""Step ``mask``: card numbers and personal data masked before anything is written.

Also gives the *scrubber* for dead letters (a rejected payload is kept for replay, never
with a card number or personal data in it) and, with an :class:`Encryptor`, the sealer of
the originals: each masked personal value (never a card number, never a truncated IP) is
kept as an AES-256-GCM envelope in the store's ``originals`` table, which only the
``auditor`` role can open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import msgspec

from logyard.catalog import Event
from logyard.security.mask import MaskConfig, Masker, Original

__all__ = ["MaskStep", "build_mask", "mask_config_from_env"]

Scrub = Callable[[bytes], bytes]
_NOT_KEPT = frozenset({"ip"})  # truncation is the policy for addresses: no original kept


def mask_config_from_env(**options: Any) -> MaskConfig:
    """A :class:`MaskConfig` with the card-number HMAC key from ``LOGYARD_PAN_HMAC_KEY``
    (when set) and ``options``."""
    import os

    key = os.environ.get("LOGYARD_PAN_HMAC_KEY")
    return MaskConfig(pan_hmac_key=key.encode() if key else None, **options)


class MaskStep:
    """The step; :meth:`take_originals` hands over what the last call on this thread
    masked (the ingest calls it right after the step, on the same thread)."""

    def __init__(self, config: MaskConfig) -> None:
        self.masker = Masker(config)
        self._local = threading.local()

    def __call__(self, event: Event) -> Event:
        out, report = self.masker.mask_event(event)
        self._local.originals = [o for o in report.originals if o.rule not in _NOT_KEPT]
        # a changed event is returned as a new struct: its producer's bytes are stale now
        return msgspec.structs.replace(out) if report.rules else out

    def take_originals(self) -> list[Original]:
        """The originals the last call on this thread masked (then forgets them)."""
        found: list[Original] = getattr(self._local, "originals", [])
        self._local.originals = []
        return found

    def scrub(self, raw: bytes) -> bytes:
        """A dead letter's raw payload, masked."""
        masked, rules = self.masker.mask_text(raw.decode("utf-8", "replace"))
        return masked.encode() if rules else raw


def build_mask(config: MaskConfig | None = None) -> tuple[MaskStep, Scrub]:
    """The ``mask`` step and the matching dead-letter scrubber."""
    step = MaskStep(config or MaskConfig())
    return step, step.scrub
