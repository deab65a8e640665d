"""Masking of card numbers, personal data and secrets: the ``mask`` step.

::

    masker = Masker(MaskConfig(pan_hmac_key=key))
    event = masker(event)                     # the pipeline step
    event, report = masker.mask_event(event)  # and which rules fired
    text, rules = masker.mask_text("card 4276 3800 1234 5679")

See :mod:`logyard.security.mask._masker` for what is masked where.
"""

from logyard.security.mask._masker import RULES, MaskConfig, Masker, MaskReport, Original
from logyard.security.mask._pan import is_pan, luhn_ok, pan_issuer
from logyard.security.mask._personal import inn_ok, snils_ok

__all__ = [
    "RULES",
    "MaskConfig",
    "MaskReport",
    "Masker",
    "Original",
    "inn_ok",
    "is_pan",
    "luhn_ok",
    "pan_issuer",
    "snils_ok",
]
