"""Personal data in free text: emails, phones, Russian passports, SNILS, INN, names, addresses.

Each detector is a compiled pattern and, where the format has one, a checksum:

* email — ``ivan.petrov@mail.ru`` → ``***@mail.ru`` (the domain stays: it is not personal and
  tells support which provider bounced);
* phone — Russian (``+7 (916) 123-45-67``, ``8 916 123 45 67``, ``+79161234567``) and E.164 /
  international; every digit but the country prefix and the last two becomes ``*``:
  ``+7 (***) ***-**-67``;
* passport (RU series + number), SNILS and INN need a context word before the number
  (``паспорт``/``passport``/``серия``, ``СНИЛС``/``SNILS``, ``ИНН``/``INN``); SNILS and INN
  must also pass their checksums; a dashed SNILS ``123-456-789 01`` with a valid checksum
  needs no context. All their digits become ``*``;
* name — Russian full names with a patronymic (``Иванова Анна Сергеевна``), surname with
  initials (``Иванов И. И.``) and Latin transliterations with a Russian surname ending
  (``Anna Ivanova``) → ``[name]``;
* address — Russian postal addresses down to the house (``101000, г. Москва, ул. Ленина,
  д. 5, кв. 12``, ``ул. Ленина, д. 5``) → ``[address]``.
"""

from __future__ import annotations

import re

__all__ = [
    "ADDRESS",
    "EMAIL",
    "INN",
    "NAME",
    "PASSPORT",
    "PHONE",
    "SNILS",
    "SNILS_DASHED",
    "inn_ok",
    "mask_digits",
    "mask_email",
    "mask_phone",
    "snils_ok",
]

EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]{1,64}(?:@|%40)((?:[\w\-]{1,63}\.)+[\w\-]{2,63})")

_PS = r"[ \-\u00a0]?"
PHONE = re.compile(
    # Russian: +7 / 8 trunk prefix, 10 digits, optional brackets around the code
    rf"(?<![\w+])(?P<cc>\+7|8){_PS}\(?[0-9]{{3}}\)?{_PS}[0-9]{{3}}{_PS}[0-9]{{2}}{_PS}[0-9]{{2}}(?![0-9])"
    # international, spaced: +44 20 7946 0958, +1 (415) 555-2671
    r"|(?<![\w+])\+[1-9][0-9]{0,2}[ \-]\(?[0-9]{1,4}\)?(?:[ \-][0-9]{2,4}){2,4}(?![0-9])"
    # E.164: +491701234567
    r"|(?<![\w+])\+[1-9][0-9]{7,14}(?![0-9])"
)

PASSPORT = re.compile(
    r"(?i)(?:паспорт\w*|passport|серия)[^0-9\n]{0,30}?"
    r"([0-9]{2} ?[0-9]{2})[ \-]?(?:(?:№|N|номер)\s?)?([0-9]{6})(?![0-9])"
)
SNILS = re.compile(
    r"(?i)(?:снилс|snils)[^0-9\n]{0,20}?"
    r"([0-9]{3}[ \-]?[0-9]{3}[ \-]?[0-9]{3}[ \-]?[0-9]{2})(?![0-9])"
)
SNILS_DASHED = re.compile(r"(?<![0-9\-])([0-9]{3}-[0-9]{3}-[0-9]{3}[ \-][0-9]{2})(?![0-9])")
INN = re.compile(r"(?i)(?:инн|\binn)[^0-9\n]{0,20}?([0-9]{12}|[0-9]{10})(?![0-9])")

_CAP = r"[А-ЯЁ][а-яё]+"
_PATR = r"[А-ЯЁ][а-яё]+(?:вич|вна|ична|вн[аеуыо]й?|вич[аеу]|вичем)"
_LATSUR = r"[A-Z][a-z]+(?:ova|eva|ov|ev|ina|in|skaya|skiy|skii|sky|ykh|ikh)"
NAME = re.compile(
    rf"\b(?:{_CAP}(?:-{_CAP})?\s+{_CAP}\s+{_PATR}"  # Иванова Анна Сергеевна
    rf"|{_CAP}\s+{_PATR}\s+{_CAP}"  # Анна Сергеевна Иванова
    rf"|[A-Z][a-z]+ {_LATSUR})\b"  # Anna Ivanova
    rf"|\b{_CAP}\s+[А-ЯЁ]\.\s?[А-ЯЁ]\."  # Иванов И. И.
)

_HOUSE = (
    r",\s*(?:д\.|дом)\s*[0-9]+[0-9А-Яа-я/]*(?:,\s*(?:кв|корп|стр|оф|к)\.\s*[0-9]+[0-9А-Яа-я/]*)*"
)
_STREET_KIND = r"(?:ул\.|улица|пр-т|просп\.|пр\.|пер\.|ш\.|наб\.|б-р|пл\.|проезд)"
ADDRESS = re.compile(
    rf"(?:[0-9]{{6}},\s*)?(?:г\.|город)\s*[А-ЯЁ][^,\n]{{1,40}},\s*[^,\n]{{2,60}}?{_HOUSE}"
    rf"|(?:{_CAP}\s)?{_STREET_KIND}\s*[^,\n]{{1,40}}?{_HOUSE}"
    rf"|{_CAP}\s{_STREET_KIND}{_HOUSE}"
)

_SNILS_W = (9, 8, 7, 6, 5, 4, 3, 2, 1)
_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_NOT_DIGIT = re.compile(r"[^0-9]")
_DIGIT = re.compile(r"[0-9]")


def snils_ok(number: str) -> bool:
    """Whether an 11-digit SNILS (separators allowed) has a valid check number."""
    d = _NOT_DIGIT.sub("", number)
    if len(d) != 11:
        return False
    total = sum(int(c) * w for c, w in zip(d, _SNILS_W, strict=False))
    check = total % 101
    if check == 100:
        check = 0
    return check == int(d[9:])


def _inn_digit(d: str, weights: tuple[int, ...]) -> int:
    return sum(int(c) * w for c, w in zip(d, weights, strict=False)) % 11 % 10


def inn_ok(number: str) -> bool:
    """Whether a 10-digit (organisation) or 12-digit (person) INN has valid check digits."""
    d = number
    if len(d) == 10 and d.isdigit():
        return _inn_digit(d, _INN10) == int(d[9])
    if len(d) == 12 and d.isdigit():
        return _inn_digit(d, _INN11) == int(d[10]) and _inn_digit(d, _INN12) == int(d[11])
    return False


def mask_digits(text: str) -> str:
    """Every ASCII digit of ``text`` as ``*``."""
    return _DIGIT.sub("*", text)


def mask_email(m: re.Match[str]) -> str:
    """``***@domain`` for an :data:`EMAIL` match."""
    return "***@" + m.group(1)


def mask_phone(m: re.Match[str]) -> str:
    """A :data:`PHONE` match with all digits but the RU prefix and the last two as ``*``."""
    text = m.group(0)
    cc = m.group("cc")
    head = cc or ""
    body = text[len(head) :]
    last = max(i for i, ch in enumerate(body) if ch.isdigit())
    cut = last
    seen = 0
    for i in range(last, -1, -1):
        if body[i].isdigit():
            seen += 1
            if seen == 2:
                cut = i
                break
    return head + mask_digits(body[:cut]) + body[cut:]
