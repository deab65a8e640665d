"""Personal data the masking stage must catch is there: names, emails, phones, cards."""

from __future__ import annotations

import re
from typing import Any

import pytest

from logyard.catalog import Event

_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]?){3}\d{4}(?!\d)")
_PHONES = {
    "+7 (916) 123-45-67": re.compile(r"\+7 \(\d{3}\) \d{3}-\d{2}-\d{2}"),
    "8 916 123 45 67": re.compile(r"(?<![\d+])8 \d{3} \d{3} \d{2} \d{2}"),
    "+79161234567": re.compile(r"\+7\d{10}"),
}


def _luhn_ok(number: str) -> bool:
    """Independent Luhn check (not the simulator's)."""
    digits = [int(c) for c in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def _texts(hour: list[Event]) -> dict[str, list[str]]:
    """Free text per place: order comments, feedback comments, messages."""
    out: dict[str, list[str]] = {"order.params": [], "feedback.comment": [], "message": []}
    for e in hour:
        ev: Any = e
        if e.message:
            out["message"].append(e.message)
        if e.ACTION == "feedback.submitted" and ev.comment:
            out["feedback.comment"].append(ev.comment)
        if e.ACTION == "order.created" and "comment" in ev.params:
            out["order.params"].append(ev.params["comment"])
    return out


@pytest.mark.parametrize("place", ["order.params", "feedback.comment", "message"])
def test_luhn_valid_card_numbers_hide_in_free_text(hour: list[Event], place: str) -> None:
    """Card numbers typed into free text show up in each place, and every one passes Luhn."""
    cards = [re.sub(r"\D", "", m) for text in _texts(hour)[place] for m in _CARD.findall(text)]
    assert cards
    assert all(_luhn_ok(c) for c in cards)


def test_cards_come_from_visa_mastercard_and_mir(hour: list[Event]) -> None:
    """The issuers are the ones Russian customers carry: Visa (4), Mastercard (5x/2221-2720),
    Mir (2200-2204)."""
    texts = [t for ts in _texts(hour).values() for t in ts]
    cards = {re.sub(r"\D", "", m) for text in texts for m in _CARD.findall(text)}
    kinds = {"visa" if c[0] == "4" else "mir" if c[:3] == "220" else "mc" for c in cards}
    assert kinds == {"visa", "mc", "mir"}


@pytest.mark.parametrize("style", list(_PHONES))
def test_phones_appear_in_every_russian_format(hour: list[Event], style: str) -> None:
    """Phones are written as `+7 (916) 123-45-67`, `8 916 123 45 67` and `+79161234567`."""
    pattern = _PHONES[style]
    customers = [
        e.params["customer"]["phone"]  # type: ignore[attr-defined]
        for e in hour
        if e.ACTION == "order.created"
    ]
    assert any(pattern.fullmatch(p) for p in customers)


def test_names_in_cyrillic_and_latin_and_emails(hour: list[Event]) -> None:
    """Customers carry Russian names in Cyrillic (with patronymic) and in Latin, and emails."""
    customers = [
        e.params["customer"]  # type: ignore[attr-defined]
        for e in hour
        if e.ACTION == "order.created"
    ]
    names = [c["name"] for c in customers]
    assert any(
        re.fullmatch(r"[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+(?:вич|вна|ич|чна)", n)
        for n in names
    )
    assert any(re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", n) for n in names)
    assert all(re.fullmatch(r"[a-z0-9.]+@[a-z]+\.[a-z]+", c["email"]) for c in customers)


def test_bots_appear_among_user_names(hour: list[Event]) -> None:
    """Crawlers like `bot-crawler-7` visit now and then, a small share of the traffic."""
    bots = [e for e in hour if (e.user_name or "").startswith("bot-")]
    assert any(e.user_name == "bot-crawler-7" for e in bots)
    assert 0 < len(bots) < 0.15 * len(hour)


def test_site_entries_carry_ip_landing_page_and_search_referrers(hour: list[Event]) -> None:
    """A visit starts with the client IP, the landing url, and often a search engine."""
    entries: list[Any] = [e for e in hour if e.ACTION == "site.entered"]
    assert all(e.client_ip and e.url.startswith("https://") for e in entries)
    referrers = {e.referrer for e in entries}
    assert any(r and "yandex.ru/search" in r for r in referrers)
    assert None in referrers
