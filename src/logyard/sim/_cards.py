"""Payment card numbers that people type into free text: Luhn-valid Visa, Mastercard and Mir."""

from __future__ import annotations

import random

__all__ = ["card_number", "card_text", "luhn_check_digit"]

# Issuer prefixes (IIN ranges): Visa 4, Mastercard 51-55 and 2221-2720, Mir 2200-2204.
_PREFIXES = (
    "427638", "427901", "446916", "410584",  # Visa
    "5469", "5536", "5189", "5213", "2221", "2720",  # Mastercard
    "2200", "2202", "2204",  # Mir
)  # fmt: skip


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str(-total % 10)


def card_number(rng: random.Random) -> str:
    """A 16-digit Luhn-valid number from a real issuer range (the account part is random)."""
    prefix = _PREFIXES[int(rng.random() * len(_PREFIXES))]
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(15 - len(prefix)))
    return body + luhn_check_digit(body)


def card_text(rng: random.Random, number: str) -> str:
    """The number as people write it: in groups of four, with dashes, or in one piece."""
    style = rng.random()
    if style < 0.6:
        return " ".join(number[i : i + 4] for i in range(0, 16, 4))
    if style < 0.75:
        return "-".join(number[i : i + 4] for i in range(0, 16, 4))
    return number
