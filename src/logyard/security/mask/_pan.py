"""Payment card numbers (PAN): issuer prefix and length table, Luhn, and the masked form.

A candidate is a run of digits with at most one separator between two digits (any Unicode
space such as no-break, thin or ideographic, any hyphen or dash such as ``‑``, ``–`` or
full-width ``－``, ``+`` and the URL-encoded ``%20``/``%2D`` of query strings). The run
is a PAN when its 13–19 digits match an issuer's prefix **and** one of that issuer's
lengths **and** pass Luhn; a longer run is split at its separators and every window of
whole groups (each group ≥ 3 digits) is tried, leftmost-longest first.

Masking keeps the separators where they were and shows the first 6 and last 4 digits
(PCI DSS 3.4.1): ``4276 3800 1234 5678`` → ``4276 38** **** 5678``. With a key, a keyed
HMAC-SHA256 of the bare digits follows, for correlation without the number:
``4276 38** **** 5678 [pan_hmac:6f1c0a9e2b7d4c13]``.
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = ["PAN_RUN", "is_pan", "luhn_ok", "mask_pan_run", "pan_issuer"]

# (issuer, lowest prefix, highest prefix, prefix digits, allowed lengths)
_ISSUERS: tuple[tuple[str, int, int, int, frozenset[int]], ...] = (
    ("visa", 4, 4, 1, frozenset({13, 16, 19})),
    ("mir", 2200, 2204, 4, frozenset(range(16, 20))),
    ("mastercard", 51, 55, 2, frozenset({16})),
    ("mastercard", 2221, 2720, 4, frozenset({16})),
    ("amex", 34, 34, 2, frozenset({15})),
    ("amex", 37, 37, 2, frozenset({15})),
    ("jcb", 3528, 3589, 4, frozenset(range(16, 20))),
    ("diners", 300, 305, 3, frozenset(range(14, 20))),
    ("diners", 36, 36, 2, frozenset(range(14, 20))),
    ("diners", 38, 39, 2, frozenset(range(16, 20))),
    ("discover", 6011, 6011, 4, frozenset(range(16, 20))),
    ("discover", 644, 649, 3, frozenset(range(16, 20))),
    ("discover", 65, 65, 2, frozenset(range(16, 20))),
    ("unionpay", 62, 62, 2, frozenset(range(16, 20))),
    # Maestro issues 12-digit cards too, but 12 digits are ids and phone numbers far more
    # often; the card rule starts at 13 digits (issue 4: "13–19 digits").
    ("maestro", 50, 50, 2, frozenset(range(13, 20))),
    ("maestro", 56, 69, 2, frozenset(range(13, 20))),
)
_FIRST = {
    d: tuple(i for i in _ISSUERS if d in {str(x)[0] for x in range(i[1], i[2] + 1)})
    for d in "0123456789"
}
_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)

# Unicode spaces (Zs) and hyphens/dashes/minus signs: a full-width card number is written
# with ideographic spaces (U+3000), a typeset one with non-breaking hyphens or en dashes.
_SEP = (
    r"(?:[ \-+\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
    r"\u2010-\u2015\u2212\ufe58\ufe63\uff0d]|%20|%2[dD])"
)
# A digit run with single separators that holds at least 12 digits.
PAN_RUN = re.compile(rf"(?<![0-9])[0-9](?:{_SEP}?[0-9]){{11,}}(?![0-9])")
_SPLIT = re.compile(rf"({_SEP})")


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` (ASCII) pass the Luhn check."""
    rev = digits[::-1]
    total = sum(map(int, rev[0::2])) + sum(_DOUBLE[int(c)] for c in rev[1::2])
    return total % 10 == 0


def pan_issuer(digits: str) -> str | None:
    """The issuer whose prefix and length ``digits`` match, if they also pass Luhn."""
    n = len(digits)
    if n < 12 or n > 19:
        return None
    for name, lo, hi, plen, lengths in _FIRST[digits[0]]:
        if n in lengths and lo <= int(digits[:plen]) <= hi:
            return name if luhn_ok(digits) else None
    return None


def is_pan(digits: str) -> bool:
    """Whether ``digits`` are a card number: issuer prefix, issuer length and Luhn."""
    return pan_issuer(digits) is not None


def _masked(groups: list[str], key: bytes | None) -> str:
    """``groups`` alternate digits and separators; the middle digits become ``*``."""
    digits = "".join(groups[0::2])
    keep_tail = len(digits) - 4
    out: list[str] = []
    seen = 0
    for i, part in enumerate(groups):
        if i % 2:
            out.append(part)
            continue
        chars = []
        for ch in part:
            chars.append(ch if seen < 6 or seen >= keep_tail else "*")
            seen += 1
        out.append("".join(chars))
    text = "".join(out)
    if key is not None:
        tag = hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:16]
        text += f" [pan_hmac:{tag}]"
    return text


def mask_pan_run(run: str, key: bytes | None) -> str | None:
    """The run with every PAN in it masked, or ``None`` when it holds none."""
    parts = _SPLIT.split(run)
    digits = "".join(parts[0::2])
    if is_pan(digits):
        return _masked(parts, key)
    groups = parts[0::2]
    if len(groups) < 2:
        return None
    out: list[str] = []
    found = False
    start = 0
    done = 0  # index in ``parts`` up to which ``out`` is written
    while start < len(groups):
        hit = _window(groups, start)
        if hit is None:
            start += 1
            continue
        end = hit
        out.append("".join(parts[done : 2 * start]))
        out.append(_masked(parts[2 * start : 2 * end - 1], key))
        done = 2 * end - 1
        found = True
        start = end
    if not found:
        return None
    out.append("".join(parts[done:]))
    return "".join(out)


def _window(groups: list[str], start: int) -> int | None:
    """The end (exclusive) of the longest PAN window of whole groups starting at ``start``."""
    if len(groups[start]) < 3:
        return None
    best = None
    total = 0
    for end in range(start, len(groups)):
        g = groups[end]
        if len(g) < 3:
            break
        total += len(g)
        if total > 19:
            break
        if total >= 12 and is_pan("".join(groups[start : end + 1])):
            best = end + 1
    return best
