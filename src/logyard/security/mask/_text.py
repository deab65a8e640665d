"""Free text through every detector, after a cheap pre-check that almost all text fails.

The pre-check (:func:`candidate`) looks for what any detector needs: ten digits close
together, an ``@``, a percent-escape, a zero-width character or a non-ASCII digit, a
patronymic or Latin surname ending, initials, or ``д. <number>`` (these last only in
prose: messages, comments, params; not in urls, routes and identifiers). Text without any of
these is returned as it came, at the cost of one regex search.

Text with zero-width characters (U+200B…, soft hyphen) or non-ASCII digits (full-width
``４２７６``, Arabic-Indic…) is normalised first (those characters removed, digits made
ASCII); the normalised form is what is kept when a detector fires. Text with
percent-escapes is also decoded (up to twice) and, when the decoded form reveals
something, the masked decoded form is kept.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from logyard.security.mask import _personal as p
from logyard.security.mask._pan import PAN_RUN, mask_pan_run

__all__ = ["DIGITS", "ODD", "PROSE", "TextMasker", "candidate", "normalise"]

_ZERO_WIDTH = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
# Unicode decimal digits outside ASCII in the BMP (full-width, Arabic-Indic, Devanagari…);
# anything beyond the BMP (mathematical digits) is normalised whenever present.
_ODD_CLASS = (
    r"\u0660-\u0669\u06f0-\u06f9\u07c0-\u07c9\u0966-\u096f\u09e6-\u09ef\u0a66-\u0a6f"
    r"\u0ae6-\u0aef\u0b66-\u0b6f\u0be6-\u0bef\u0c66-\u0c6f\u0ce6-\u0cef\u0d66-\u0d6f"
    r"\u0de6-\u0def\u0e50-\u0e59\u0ed0-\u0ed9\u0f20-\u0f29\u1040-\u1049\u1090-\u1099"
    r"\u17e0-\u17e9\u1810-\u1819\u1946-\u194f\u19d0-\u19d9\u1a80-\u1a89\u1a90-\u1a99"
    r"\u1b50-\u1b59\u1bb0-\u1bb9\u1c40-\u1c49\u1c50-\u1c59\ua620-\ua629\ua8d0-\ua8d9"
    r"\ua900-\ua909\ua9d0-\ua9d9\ua9f0-\ua9f9\uaa50-\uaa59\uabf0-\uabf9\uff10-\uff19"
    r"\U00010000-\U0010ffff"
)
ODD = re.compile(f"[{_ZERO_WIDTH}{_ODD_CLASS}]")
_ODD_DIGIT = re.compile(r"(?![0-9])\d")
_ZW_TABLE = str.maketrans(dict.fromkeys(_ZERO_WIDTH))
# Ten digits close together: the shortest phone, INN, SNILS, passport or card number.
DIGITS = re.compile(r"[0-9](?:[^\w\n]{0,3}[0-9]){9}")
# What only prose holds: patronymics, initials, house numbers, Latin surname endings.
PROSE = re.compile(
    r"вич|вн[аеоуы]|[А-ЯЁ]\.\s?[А-ЯЁ]\.|д\.\s?[0-9]|[Сс]ерия"
    r"|[A-Z][a-z]+ [A-Z][a-z]*(?:ov|ev|in|sk|kh)"
)


def candidate(text: str, prose: bool) -> bool:
    """Whether any detector could fire on ``text`` (cheap; false positives are fine)."""
    return (
        "@" in text
        or "%" in text
        or DIGITS.search(text) is not None
        or (not text.isascii() and ODD.search(text) is not None)
        or (prose and PROSE.search(text) is not None)
    )


def normalise(text: str) -> str:
    """``text`` without zero-width characters and with every decimal digit in ASCII."""
    if ODD.search(text) is None:
        return text
    return _ODD_DIGIT.sub(_ascii_digit, text.translate(_ZW_TABLE))


def _ascii_digit(m: re.Match[str]) -> str:
    return str(unicodedata.decimal(m.group(0)))


_TOKEN_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-")
_HEX = frozenset("0123456789abcdefABCDEF-")
_ID_LENGTHS = frozenset({32, 36, 40, 48, 56, 64, 96, 128})


def in_hex_token(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies inside a hex token (UUID, hash, trace id): a run of
    ASCII letters, digits and dashes of an id's length (32, 36, 40, 64…) that is all hex
    and has a letter or is UUID-shaped."""
    lo, hi = start, end
    while lo > 0 and text[lo - 1] in _TOKEN_CHARS:
        lo -= 1
    while hi < len(text) and text[hi] in _TOKEN_CHARS:
        hi += 1
    token = text[lo:hi].strip("-")
    if len(token) not in _ID_LENGTHS or not _HEX.issuperset(token):
        return False
    return not token.replace("-", "").isdigit() or _UUID.fullmatch(token) is not None


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class _Scan:
    """One detection pass over one text: which rules fired and, if asked, the originals."""

    __slots__ = ("hits", "key", "originals")

    def __init__(self, key: bytes | None, originals: list[tuple[str, str]] | None) -> None:
        self.key = key
        self.hits: set[str] = set()
        self.originals = originals

    def _keep(self, rule: str, value: str) -> None:
        self.hits.add(rule)
        if self.originals is not None:
            self.originals.append((rule, value))

    def pan(self, m: re.Match[str]) -> str:
        run = m.group(0)
        text, start = m.string, m.start()
        if in_hex_token(text, start, m.end()):
            return run
        if start and text[start - 1] == "+" and (start < 2 or not text[start - 2].isalnum()):
            return run  # "+4917…": an international phone number, not a card
        masked = mask_pan_run(run, self.key)
        if masked is None:
            return run
        self.hits.add("pan")  # never kept as an original (PCI DSS 3.5.1)
        return masked

    def _number(self, m: re.Match[str], rule: str) -> str:
        text = m.group(0)
        cut = m.start(1) - m.start(0)
        self._keep(rule, text[cut:])
        return text[:cut] + p.mask_digits(text[cut:])

    def passport(self, m: re.Match[str]) -> str:
        return self._number(m, "passport")

    def snils(self, m: re.Match[str]) -> str:
        return self._number(m, "snils") if p.snils_ok(m.group(1)) else m.group(0)

    def inn(self, m: re.Match[str]) -> str:
        return self._number(m, "inn") if p.inn_ok(m.group(1)) else m.group(0)

    def phone(self, m: re.Match[str]) -> str:
        if in_hex_token(m.string, m.start(), m.end()):
            return m.group(0)
        self._keep("phone", m.group(0))
        return p.mask_phone(m)

    def email(self, m: re.Match[str]) -> str:
        self._keep("email", m.group(0))
        return p.mask_email(m)

    def name(self, m: re.Match[str]) -> str:
        self._keep("name", m.group(0))
        return "[name]"

    def address(self, m: re.Match[str]) -> str:
        self._keep("address", m.group(0))
        return "[address]"


class TextMasker:
    """Masks free text; ``pan_hmac_key`` adds the PAN correlation tag."""

    __slots__ = ("addresses", "key", "names")

    def __init__(
        self, pan_hmac_key: bytes | None = None, *, names: bool = True, addresses: bool = True
    ) -> None:
        self.key = pan_hmac_key
        self.names = names
        self.addresses = addresses

    def mask(
        self,
        text: str,
        fired: set[str],
        originals: list[tuple[str, str]] | None = None,
        prose: bool = True,
    ) -> str:
        """``text`` masked; the rules that fired are added to ``fired``.

        ``prose=False`` (urls, routes, identifiers) skips the name and address pre-check.
        """
        if not candidate(text, prose):
            return text
        return self.full(text, fired, originals)

    def full(
        self, text: str, fired: set[str], originals: list[tuple[str, str]] | None = None
    ) -> str:
        """``text`` through every detector, without the pre-check."""
        scan = _Scan(self.key, originals)
        out = self._detect(normalise(text), scan)
        if not scan.hits:
            out = text
        for _ in range(2):
            if "%" not in out:
                break
            decoded = unquote(out)
            if decoded == out:
                break
            deeper = _Scan(self.key, originals)
            masked = self._detect(normalise(decoded), deeper)
            if not deeper.hits:
                break
            scan.hits |= deeper.hits
            out = masked
        fired |= scan.hits
        return out

    def pans(self, text: str, fired: set[str]) -> str:
        """``text`` with card numbers masked and nothing else touched: for identifier
        fields (order ids, host names, versions) that no personal-data detector reads, but
        where a PAN must not survive either (PCI DSS 3.5.1)."""
        out = text
        for attempt in range(3):
            if attempt:  # then percent-decoded, as free text is
                if "%" not in out or unquote(out) == out:
                    break
                out = unquote(out)
            norm = normalise(out)
            if DIGITS.search(norm) is None:
                continue
            scan = _Scan(self.key, None)
            masked = PAN_RUN.sub(scan.pan, norm)
            if scan.hits:
                fired |= scan.hits
                return masked
        return text

    def _detect(self, text: str, scan: _Scan) -> str:
        # Each detector runs only when the cheap test for what it needs passes.
        low = text.lower()
        if "паспорт" in low or "passport" in low or "серия" in low:
            text = p.PASSPORT.sub(scan.passport, text)
        if DIGITS.search(text) is not None:
            if "снилс" in low or "snils" in low:
                text = p.SNILS.sub(scan.snils, text)
            if "-" in text:
                text = p.SNILS_DASHED.sub(scan.snils, text)
            if "инн" in low or "inn" in low:
                text = p.INN.sub(scan.inn, text)
            text = PAN_RUN.sub(scan.pan, text)
            text = p.PHONE.sub(scan.phone, text)
        elif "+" in text:  # short E.164 numbers
            text = p.PHONE.sub(scan.phone, text)
        if "@" in text or "%40" in text:
            text = p.EMAIL.sub(scan.email, text)
        if self.names and PROSE.search(text) is not None:
            text = p.NAME.sub(scan.name, text)
        if self.addresses and ("д." in text or "дом" in text):
            text = p.ADDRESS.sub(scan.address, text)
        return text
