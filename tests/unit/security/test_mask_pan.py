"""Card numbers: issuer table, Luhn, the masked form, separators, encodings, look-alikes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logyard.security.mask import MaskConfig, Masker, is_pan, luhn_ok, pan_issuer
from logyard.sim._cards import luhn_check_digit

KEY = b"0123456789abcdef0123456789abcdef"
MASKER = Masker()
HMAC_MASKER = Masker(MaskConfig(pan_hmac_key=KEY))

# (issuer, prefix, length) — one row per issuer range and length edge
ISSUERS = [
    ("visa", "4", 13), ("visa", "4", 16), ("visa", "4", 19),
    ("mastercard", "51", 16), ("mastercard", "55", 16),
    ("mastercard", "2221", 16), ("mastercard", "2720", 16),
    ("mir", "2200", 16), ("mir", "2204", 19),
    ("amex", "34", 15), ("amex", "37", 15),
    ("maestro", "50", 13), ("maestro", "67", 19),
    ("unionpay", "62", 16), ("unionpay", "62", 19),
    ("jcb", "3528", 16), ("jcb", "3589", 19),
    ("discover", "6011", 16), ("discover", "644", 16), ("discover", "65", 19),
    ("diners", "300", 14), ("diners", "36", 14),
]  # fmt: skip


def make_pan(prefix: str, length: int, fill: str = "1234567890123456789") -> str:
    """A Luhn-valid number with ``prefix`` and ``length``."""
    body = (prefix + fill)[: length - 1]
    return body + luhn_check_digit(body)


def digits_only(text: str) -> str:
    """The ASCII digits of ``text``, in order."""
    return re.sub(r"[^0-9]", "", text)


@pytest.mark.parametrize(("issuer", "prefix", "length"), ISSUERS)
def test_issuer_table_accepts_each_range(issuer: str, prefix: str, length: int) -> None:
    """A Luhn-valid number of every issuer range and length is recognised as that issuer."""
    assert pan_issuer(make_pan(prefix, length)) == issuer


@pytest.mark.parametrize(
    "digits",
    [
        make_pan("4", 15),  # Visa has no 15-digit cards
        make_pan("51", 19),  # Mastercard is 16 only
        make_pan("2205", 16),  # just past Mir
        make_pan("2721", 16),  # just past Mastercard 2-series
        make_pan("34", 16),  # Amex is 15 only
        make_pan("1", 16),  # no issuer starts with 1
        make_pan("56", 12),  # 12 digits: an id or a phone number, not a card
        make_pan("9", 16),
    ],
)
def test_issuer_table_rejects_wrong_prefix_or_length(digits: str) -> None:
    """Luhn-valid numbers outside the issuer prefix/length table are not cards."""
    assert luhn_ok(digits)
    assert not is_pan(digits)


def test_luhn_failure_is_not_a_card() -> None:
    """A Visa-shaped number with a wrong check digit is not a card."""
    pan = make_pan("4", 16)
    bad = pan[:-1] + str((int(pan[-1]) + 1) % 10)
    assert not is_pan(bad)


def test_mask_keeps_first_six_last_four_and_separators() -> None:
    """``4276 3800 1234 5679`` becomes ``4276 38** **** 5679``: separators stay in place."""
    pan = make_pan("427638", 16, "001234567")
    text = f"card {pan[:4]} {pan[4:8]} {pan[8:12]} {pan[12:]} ok"
    out, rules = MASKER.mask_text(text)
    assert out == f"card {pan[:4]} {pan[4:6]}** **** {pan[12:]} ok"
    assert rules == ("pan",)


def test_mask_appends_keyed_hmac_for_correlation() -> None:
    """With a key, the same card gets the same 16-hex tag whatever its separators."""
    pan = make_pan("2200", 16)
    a, _ = HMAC_MASKER.mask_text(f"card {pan}")
    b, _ = HMAC_MASKER.mask_text(f"card {pan[:4]}-{pan[4:8]}-{pan[8:12]}-{pan[12:]}")
    tag_a = re.search(r"\[pan_hmac:([0-9a-f]{16})\]", a)
    tag_b = re.search(r"\[pan_hmac:([0-9a-f]{16})\]", b)
    assert tag_a is not None
    assert tag_b is not None
    assert tag_a.group(1) == tag_b.group(1)


def test_short_hmac_key_is_refused() -> None:
    """A PAN HMAC key shorter than 16 bytes is a configuration error that says what to do."""
    with pytest.raises(ValueError, match="at least 16 random bytes"):
        MaskConfig(pan_hmac_key=b"short")


def test_config_repr_hides_the_key() -> None:
    """The HMAC key never appears in the config's or the masker's repr."""
    assert "0123456789abcdef" not in repr(HMAC_MASKER)


@pytest.mark.parametrize(
    "template",
    [
        "{a}{b}{c}{d}",
        "{a} {b} {c} {d}",
        "{a}-{b}-{c}-{d}",
        "{a}\u00a0{b}\u00a0{c}\u00a0{d}",
        "{a}%20{b}%20{c}%20{d}",
        "{a}+{b}+{c}+{d}",
        "{a}%2520{b}%2520{c}%2520{d}",  # double-encoded
    ],
)
def test_pan_masked_with_any_separator(template: str) -> None:
    """Spaces, dashes, no-break spaces, ``+`` and URL-encoded spaces between groups."""
    pan = make_pan("5469", 16)
    text = "https://pay.example/?card=" + template.format(
        a=pan[:4], b=pan[4:8], c=pan[8:12], d=pan[12:]
    )
    out, rules = MASKER.mask_text(text)
    assert "pan" in rules
    assert pan not in digits_only(out)


def test_full_width_digits_and_zero_width_spaces_are_normalised() -> None:
    """Full-width digits with zero-width spaces between them are still a card."""
    pan = make_pan("4", 16)
    sneaky = "\u200b".join(chr(0xFF10 + int(c)) for c in pan)
    out, rules = MASKER.mask_text(f"карта {sneaky}")
    assert rules == ("pan",)
    assert out == f"карта {pan[:6]}******{pan[-4:]}"


def test_url_encoded_digits_are_decoded() -> None:
    """A PAN whose digits are percent-encoded (``%34%32…``) in a query string is found."""
    pan = make_pan("4", 16)
    encoded = "".join(f"%{ord(c):02X}" for c in pan)
    out, rules = MASKER.mask_text(f"/pay?pan={encoded}&x=1")
    assert rules == ("pan",)
    assert pan not in digits_only(out)


def test_two_cards_in_one_spaced_run_are_both_masked() -> None:
    """Two grouped cards separated by a space are split at group boundaries and both masked."""
    a, b = make_pan("4", 16), make_pan("2200", 16)
    text = " ".join([a[:4], a[4:8], a[8:12], a[12:], b[:4], b[4:8], b[8:12], b[12:]])
    out, _ = MASKER.mask_text(text)
    assert a not in digits_only(out)
    assert b not in digits_only(out)
    assert out.count("*") == 12


@pytest.mark.parametrize(
    "text",
    [
        "order ORD-000123 created",
        "event 01a216a2-6cb8-719c-9361-176bea0251ff",
        "12345678-1234-5678-1234-567812345678",
        "at 2026-11-26T05:29:26.123Z",
        "ts=1764141273123",
        "amount 1234567890123.45 RUB",
        "total 12 345 678,90 ₽",
        "id 4276380012345670",  # Visa prefix, fails Luhn
        "id 1234567890123452",  # Luhn-valid, no issuer
        "trace 9772855c0996c89eb63889774c64ee88",
    ],
)
def test_look_alikes_are_not_masked(text: str) -> None:
    """Order ids, UUIDs, timestamps, amounts and issuer/Luhn failures stay as they are."""
    assert MASKER.mask_text(text) == (text, ())


def test_epoch_millisecond_sweep_produces_no_false_card() -> None:
    """Millisecond timestamps from 2000 to 2095 (every ~7 minutes) are never a card number."""
    start = datetime(2000, 1, 1, tzinfo=UTC)
    end = datetime(2095, 1, 1, tzinfo=UTC)
    step = timedelta(seconds=421, milliseconds=7)
    t = start
    hits = []
    while t < end:
        ms = str(int(t.timestamp() * 1000))
        if is_pan(ms):
            hits.append(ms)
        t += step
    assert hits == []


def test_epoch_millisecond_luhn_alone_would_flag_them() -> None:
    """The sweep is meaningful: Luhn alone passes about a tenth of the same timestamps."""
    base = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000)
    passing = sum(luhn_ok(str(base + i * 7919)) for i in range(10_000))
    assert 800 < passing < 1200


def test_integer_pan_in_params_is_masked() -> None:
    """A card number sent as a JSON integer is masked like a string one."""
    from logyard.catalog import OrderCreated

    pan = make_pan("4", 16)
    event = OrderCreated(
        timestamp=datetime(2026, 11, 26, tzinfo=UTC),
        event_id="e1",
        service="internet-shop",
        user_name="u",
        order_id="ORD-1",
        params={"payment": {"number": int(pan)}},
    )
    masked, report = MASKER.mask_event(event)
    assert masked.params["payment"]["number"] == f"{pan[:6]}******{pan[-4:]}"
    assert report.rules == ("pan",)


# --- properties -------------------------------------------------------------------------------

_issuer_pans = st.sampled_from(ISSUERS).flatmap(
    lambda row: st.text(alphabet="0123456789", min_size=19, max_size=19).map(
        lambda fill: make_pan(row[1], row[2], fill)
    )
)
_separators = st.sampled_from(["", " ", "-", "\u00a0", "%20", "+"])
_words = st.text(
    alphabet=st.sampled_from(list("abcxyz абвгд.,:;!?()[]{}\"'\n0123456789ЁёЯя€₽#")),
    max_size=40,
)
_boundary = st.sampled_from([" card ", ": ", "\n", ", карта ", "=", " ("])


def _grouped(pan: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for n in sizes:
        if i >= len(pan):
            break
        out.append(pan[i : i + n])
        i += n
    if i < len(pan):
        out.append(pan[i:])
    return sep.join(out)


@settings(max_examples=400, deadline=None)
@given(
    pan=_issuer_pans,
    sep=_separators,
    layout=st.sampled_from([[4, 4, 4, 4, 4], [4, 6, 5], [6, 13], [4, 4, 4, 4, 3], [19]]),
    left=_words,
    right=_words,
    lb=_boundary,
    rb=_boundary,
)
def test_any_pan_in_random_text_is_masked(
    pan: str, sep: str, layout: list[int], left: str, right: str, lb: str, rb: str
) -> None:
    """Any issuer's card, grouped and separated as people write it, inside random text,
    is masked: its full digit sequence never survives."""
    grouped = _grouped(pan, layout, sep)
    text = left + lb + grouped + rb + right
    out, rules = MASKER.mask_text(text)
    assert "pan" in rules
    assert grouped not in out
    assert out.count("*") >= len(pan) - 10


@settings(max_examples=300, deadline=None)
@given(
    pan=_issuer_pans,
    seps=st.lists(st.sampled_from(["", "", " ", "-"]), min_size=19, max_size=19),
    lb=_boundary,
    rb=_boundary,
)
def test_pan_with_separators_anywhere_is_masked(
    pan: str, seps: list[str], lb: str, rb: str
) -> None:
    """Single separators between any two digits (evasive spacing) do not hide a card."""
    spaced = "".join(c + s for c, s in zip(pan, seps, strict=False)).rstrip(" -")
    out, _ = MASKER.mask_text("x" + lb + spaced + rb + "y")
    assert spaced not in out
    assert out.count("*") >= len(pan) - 10


@settings(max_examples=400, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=12, max_size=19))
def test_numbers_failing_issuer_or_luhn_are_never_masked(digits: str) -> None:
    """A digit string that is not a card (issuer, length, Luhn) passes untouched."""
    if is_pan(digits):
        return
    text = f"ref {digits} end"
    assert MASKER.mask_text(text) == (text, ())


@settings(max_examples=300, deadline=None)
@given(value=st.uuids())
def test_uuids_are_never_touched(value: uuid.UUID) -> None:
    """UUIDs, in any case and with or without dashes, are never masked."""
    for text in (str(value), str(value).upper(), value.hex):
        assert MASKER.mask_text(f"id={text}") == (f"id={text}", ())


@settings(max_examples=300, deadline=None)
@given(ts=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2039, 1, 1)))
def test_timestamps_are_never_touched(ts: datetime) -> None:
    """ISO timestamps and epoch seconds/milliseconds/microseconds are never masked.

    (Epoch *microseconds* from September 2039 on start with 2200… and can pass the Mir
    prefix and Luhn; milliseconds are safe until 2096, see the sweep above.)"""
    aware = ts.replace(tzinfo=UTC)
    epoch = aware.timestamp()
    for text in (
        aware.isoformat(),
        aware.isoformat().replace("+00:00", "Z"),
        str(int(epoch)),
        str(int(epoch * 1000)),
        str(int(epoch * 1_000_000)),
    ):
        assert MASKER.mask_text(f"at {text}") == (f"at {text}", ())
