"""Personal data in free text: emails, phones, passports, SNILS, INN, names, addresses."""

from __future__ import annotations

import pytest

from logyard.security.mask import MaskConfig, Masker, inn_ok, snils_ok

MASKER = Masker()


@pytest.mark.parametrize(
    ("text", "expected", "rules"),
    [
        ("write to ivan.petrov92@mail.ru", "write to ***@mail.ru", ("email",)),
        ("<anna_s+shop@yandex.ru>", "<***@yandex.ru>", ("email",)),
        ("почта: иван@почта.рф", "почта: ***@почта.рф", ("email",)),
        ("Позвоните: +7 (916) 123-45-67", "Позвоните: +7 (***) ***-**-67", ("phone",)),
        ("тел. 8 916 123 45 67", "тел. 8 *** *** ** 67", ("phone",)),
        ("+79161234567", "+7********67", ("phone",)),
        ("8(916)123-45-67", "8(***)***-**-67", ("phone",)),
        ("call +44 20 7946 0958", "call +** ** **** **58", ("phone",)),
        ("E.164 +491701234567", "E.164 +**********67", ("phone",)),
        ("паспорт 45 06 123456", "паспорт ** ** ******", ("passport",)),
        ("Passport: 4506 № 123456", "Passport: **** № ******", ("passport",)),
        ("серия 4506 номер 123456", "серия **** номер ******", ("passport",)),
        ("СНИЛС 112-233-445 95", "СНИЛС ***-***-*** **", ("snils",)),
        ("snils: 11223344595", "snils: ***********", ("snils",)),
        ("страховой номер 112-233-445 95", "страховой номер ***-***-*** **", ("snils",)),
        ("ИНН 7707083893", "ИНН **********", ("inn",)),
        ("INN: 500100732259", "INN: ************", ("inn",)),
        ("Получатель: Иванова Анна Сергеевна", "Получатель: [name]", ("name",)),
        ("от Анна Сергеевна Иванова", "от [name]", ("name",)),
        ("менеджер Петров И. И.", "менеджер [name]", ("name",)),
        ("thanks, Anna Ivanova", "thanks, [name]", ("name",)),
        (
            "доставка: 101123, г. Москва, ул. Ленина, д. 5, кв. 12",
            "доставка: [address]",
            ("address",),
        ),
        ("Невский пр-т, д. 28", "[address]", ("address",)),
    ],
)
def test_detector_table(text: str, expected: str, rules: tuple[str, ...]) -> None:
    """Each detector on its Russian and international formats masks exactly the value."""
    assert MASKER.mask_text(text) == (expected, rules)


@pytest.mark.parametrize(
    "text",
    [
        "ИНН 7707083894",  # wrong check digit
        "СНИЛС 112-233-445 96",  # wrong checksum
        "112-233-445 96",
        "номер 4506 123456",  # passport digits without the context word
        "7707083893",  # a valid INN without the context word
        "order ORD-000123, qty 2, 1560.00 RUB",
        "retry in 89161234567890 ms",  # too many digits for a phone
        "version 8.9.16.123",
        "build 2026-11-26 12:00:45",
        "@app.route('/orders')",
        "Москва, склад 3",
        "Great print quality, will order again",
        "nginx: user@host",  # no domain
    ],
)
def test_look_alikes_stay(text: str) -> None:
    """Wrong checksums, missing context words and ordinary numbers are not masked."""
    assert MASKER.mask_text(text) == (text, ())


@pytest.mark.parametrize(("number", "ok"), [("112-233-445 95", True), ("11223344596", False)])
def test_snils_checksum(number: str, ok: bool) -> None:
    """SNILS check number: weighted sum mod 101."""
    assert snils_ok(number) is ok


@pytest.mark.parametrize(
    ("number", "ok"),
    [("7707083893", True), ("500100732259", True), ("7707083890", False), ("500100732250", False)],
)
def test_inn_checksum(number: str, ok: bool) -> None:
    """INN check digits for organisations (10) and persons (12)."""
    assert inn_ok(number) is ok


def test_url_encoded_email_in_query_string() -> None:
    """An email percent-encoded in a URL is decoded and masked."""
    out, rules = MASKER.mask_text("https://shop.example/unsubscribe?e=ivan.petrov%40mail.ru")
    assert rules == ("email",)
    assert "ivan.petrov" not in out


def test_names_and_addresses_can_be_switched_off() -> None:
    """``names=False``/``addresses=False`` keep free-text names and addresses."""
    masker = Masker(MaskConfig(names=False, addresses=False))
    text = "Иванова Анна Сергеевна, г. Москва, ул. Ленина, д. 5"
    assert masker.mask_text(text) == (text, ())


def test_masking_is_idempotent() -> None:
    """Masked text passes through the masker unchanged."""
    text = "карта 4276 3800 1234 5679? нет: +7 (916) 123-45-67, ivan@mail.ru, ИНН 7707083893"
    once, _ = MASKER.mask_text(text)
    assert MASKER.mask_text(once) == (once, ())
