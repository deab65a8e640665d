"""Step ``mask``: card numbers and personal data masked before anything is written.

Also gives the *scrubber* for dead letters: a rejected payload is kept raw for replay, but
never with a card number or personal data in it.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from logyard.catalog import Event
from logyard.security.mask import MaskConfig, Masker

__all__ = ["build_mask", "mask_config_from_env"]

Scrub = Callable[[bytes], bytes]


def mask_config_from_env(**options: object) -> MaskConfig:
    """A :class:`MaskConfig` with the card-number HMAC key from ``LOGYARD_PAN_HMAC_KEY``
    (when set) and ``options``."""
    import os

    key = os.environ.get("LOGYARD_PAN_HMAC_KEY")
    return MaskConfig(pan_hmac_key=key.encode() if key else None, **options)  # type: ignore[arg-type]


def build_mask(config: MaskConfig | None = None) -> tuple[Callable[[Event], Event], Scrub]:
    """The ``mask`` step and the matching dead-letter scrubber."""
    masker = Masker(config)

    def mask(event: Event) -> Event:
        out, report = masker.mask_event(event)
        # a changed event is returned as a new struct: its producer's bytes are stale now
        return msgspec.structs.replace(out) if report.rules else out

    def scrub(raw: bytes) -> bytes:
        masked, rules = masker.mask_text(raw.decode("utf-8", "replace"))
        return masked.encode() if rules else raw

    return mask, scrub
