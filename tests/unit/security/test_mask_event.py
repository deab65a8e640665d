"""The masker on whole events: fields, nested params, secrets, labels, validation, surface."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import msgspec
import pytest

import logyard.security.mask as mask_pkg
from logyard.catalog import (
    ErrorEvent,
    EventCodec,
    FeedbackSubmitted,
    OrderCreated,
    PageViewed,
    encode_event,
)
from logyard.security.mask import MaskConfig, Masker, is_pan
from logyard.sim import Simulator

TS = datetime(2026, 11, 26, 5, 29, tzinfo=UTC)
PAN = "4276380012345679"


def order(params: dict[str, object], **kw: object) -> OrderCreated:
    """An ``order.created`` event with ``params``."""
    return OrderCreated(
        timestamp=TS,
        event_id="0193a0c2-0000-7000-8000-000000000001",
        service="internet-shop",
        user_name="anna.ivanova92",
        order_id="ORD-000123",
        params=params,
        **kw,  # type: ignore[arg-type]
    )


def test_public_surface() -> None:
    """The package exports exactly the masker API, sorted as ruff sorts it (constants,
    classes, functions), and every name resolves."""
    names = mask_pkg.__all__
    assert names == sorted(
        names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n)
    )
    assert all(hasattr(mask_pkg, n) for n in names)
    assert set(mask_pkg.__all__) == {
        "RULES", "MaskConfig", "MaskReport", "Masker", "Original",
        "inn_ok", "is_pan", "luhn_ok", "pan_issuer", "snils_ok",
    }  # fmt: skip


def test_secrets_are_removed_anywhere_case_insensitively() -> None:
    """Secret keys are dropped at any depth, in params and labels, whatever their case."""
    event = order(
        {
            "Password": "hunter2",
            "auth": {"API_KEY": "k", "refresh-token": "t", "ok": 1},
            "items": [{"client_secret": "s", "sku": "A"}],
        },
        labels={"Authorization": "Bearer abc", "env": "prod"},
    )
    masked, report = Masker().mask_event(event)
    assert masked.params == {"items": [{"sku": "A"}]}
    assert masked.labels == {"env": "prod", "masked": "secret"}
    assert report.rules == ("secret",)


def test_card_data_fields_are_dropped() -> None:
    """CVV/CVC and track data are dropped with their key and reported as ``card_data``."""
    event = order({"payment": {"cvv": "123", "CVC2": "123", "track2": ";4276=", "ok": True}})
    masked, report = Masker().mask_event(event)
    assert masked.params == {"payment": {"ok": True}}
    assert report.rules == ("card_data",)


def test_personal_params_keys_are_masked() -> None:
    """Customer name, email, phone and address in params are masked; the product stays."""
    event = order(
        {
            "product": {"name": "Ваза спиральная"},
            "customer": {
                "name": "Иванова Анна Сергеевна",
                "email": "anna@mail.ru",
                "phone": "+7 (916) 123-45-67",
            },
            "delivery": {"address": "101000, г. Москва, ул. Ленина, д. 5"},
            "recipient": "Петров Иван",
        }
    )
    masked, report = Masker().mask_event(event)
    assert masked.params == {
        "product": {"name": "Ваза спиральная"},
        "customer": {"name": "[name]", "email": "***@mail.ru", "phone": "+7 (***) ***-**-67"},
        "delivery": {"address": "[address]"},
        "recipient": "[name]",
    }
    assert report.rules == ("address", "email", "name", "phone")


def test_labels_masked_lists_rules_without_values() -> None:
    """``labels.masked`` holds the sorted rule names and none of the masked values."""
    event = ErrorEvent(
        timestamp=TS,
        event_id="e1",
        service="shop-api",
        client_ip="89.70.203.191",
        error_type="PaymentDeclinedError",
        error_message=f"card {PAN}, payer ivan@mail.ru, +79161234567",
    )
    masked = Masker()(event)
    assert masked.labels["masked"] == "email,ip,pan,phone"
    assert masked.client_ip == "89.70.203.0"
    doc = encode_event(masked).decode()
    for secret in (PAN, "ivan@mail.ru", "9161234567", "89.70.203.191"):
        assert secret not in doc


def test_unchanged_event_gets_no_label() -> None:
    """An event with nothing to mask is left alone: no ``labels.masked``."""
    event = order({"product": "vase", "quantity": 2, "price": 1560.0})
    masked, report = Masker().mask_event(event)
    assert masked.labels == {}
    assert not report.changed


def test_caller_dicts_are_never_mutated() -> None:
    """Nested dicts are copied on write: the caller's params (the SDK case) stay intact."""
    params = {"customer": {"email": "anna@mail.ru"}, "password": "x"}
    before = copy.deepcopy(params)
    Masker()(order(params))
    assert params == before


def test_ip_truncation_is_configurable() -> None:
    """IPv4 and IPv6 client addresses are cut to the configured prefixes."""
    masker = Masker(MaskConfig(ipv4_prefix=16, ipv6_prefix=32))
    v4 = PageViewed(timestamp=TS, event_id="e", service="internet-shop",
                    client_ip="89.70.203.191", url="https://shop.example/")  # fmt: skip
    v6 = PageViewed(timestamp=TS, event_id="e", service="internet-shop",
                    client_ip="2a00:1fa0:fad7:d9c2::1", url="https://shop.example/")  # fmt: skip
    assert masker(v4).client_ip == "89.70.0.0"
    assert masker(v6).client_ip == "2a00:1fa0::"


def test_originals_collected_for_encryption_but_never_pans() -> None:
    """``collect_originals`` reports each masked personal value with its path; never a PAN."""
    masker = Masker(MaskConfig(collect_originals=True))
    event = FeedbackSubmitted(
        timestamp=TS, event_id="e", service="crm", score=2,
        comment=f"карта {PAN}, звоните +79161234567",
    )  # fmt: skip
    _, report = masker.mask_event(event)
    assert [(o.path, o.rule, o.value) for o in report.originals] == [
        ("feedback.comment", "phone", "+79161234567")
    ]
    assert report.rules == ("pan", "phone")


def test_masked_sim_events_still_validate_and_leak_nothing() -> None:
    """A simulated hour masked: every event re-validates, and no card number, email or
    phone the simulator wrote survives in the encoded documents."""
    codec = EventCodec(now=lambda: datetime(2100, 1, 1, tzinfo=UTC))
    masker = Masker(MaskConfig(pan_hmac_key=b"k" * 32))
    events = list(Simulator(seed=3, rate=50.0, start=TS).events(1800))
    email = re.compile(r"[\w.+\-]+@[\w\-]+\.[a-z]{2,}")
    run = re.compile(r"[0-9](?:[ \-]?[0-9]){11,18}")
    phone = re.compile(r"(?<!\w)(?:\+7|8)[ (]*9[0-9]{2}[) \-]*[0-9]{3}[ \-]?[0-9]{2}[ \-]?[0-9]{2}")
    fired: set[str] = set()
    for event in events:
        masked = masker(event)
        codec.validate(masked)
        obj = msgspec.json.decode(encode_event(masked))
        for plumbing in ("event.id", "trace.id", "span.id"):
            obj.pop(plumbing, None)
        doc = msgspec.json.encode(obj).decode()
        fired.update(masked.labels.get("masked", "").split(","))
        assert not email.search(doc.replace("***@", "")), doc
        for m in run.finditer(doc):
            assert not is_pan(re.sub(r"[ \-]", "", m.group(0))), doc
        assert not phone.search(doc), doc
    assert {"pan", "email", "phone", "name", "address", "ip"} <= fired


def test_masked_event_round_trips_through_json() -> None:
    """A masked event decodes back into the same catalogue struct."""
    masked = Masker()(order({"customer": {"phone": "8 916 123 45 67"}, "comment": PAN}))
    again = msgspec.json.decode(encode_event(masked), type=OrderCreated)
    assert again.params == masked.params


@pytest.mark.parametrize("value", ["unknown", "", "10.20.3.0"])
def test_odd_or_already_truncated_ips_are_left(value: str) -> None:
    """A client.ip that is not an address, empty or already truncated is not changed."""
    event = PageViewed(timestamp=TS, event_id="e", service="internet-shop",
                       client_ip=value, url="https://shop.example/")  # fmt: skip
    masked, report = Masker().mask_event(event)
    assert masked.client_ip == value
    assert "ip" not in report.rules


def test_order_ids_are_never_masked_even_when_their_digits_look_like_a_phone() -> None:
    """order.id and message ids are identifiers the note keeps: `K-89523441984d` holds the
    digits of a Russian phone number and stays as it is."""
    from datetime import UTC, datetime

    from logyard.catalog import OrderReceived
    from logyard.security.mask import Masker

    event = OrderReceived(
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        event_id="e1",
        service="crm-api",
        order_id="K-89523441984d",
        queue="orders.incoming",
        message_id="89161234567",
    )
    masked = Masker()(event)
    assert (masked.order_id, masked.message_id) == ("K-89523441984d", "89161234567")


def test_a_producer_signature_is_left_alone() -> None:
    """A well-formed ``labels.sig`` (v1:<kid>:<43 base64url chars>) passes the masker
    untouched: nothing personal is in it, and the processor checked it already."""
    sig = "v1:crm-2026.11:05qOgUUQiZIKFMQ3IKqhq3gWp_Kbp2pJMNN50qxw3cI"
    masked, report = Masker().mask_event(order({"product": "vase"}, labels={"sig": sig}))
    assert masked.labels == {"sig": sig}
    assert not report.changed


@pytest.mark.parametrize(
    "kid", [PAN, "4276-3800-1234-5679", "4276 3800 1234 5679", "k_4276-3800-1234-5679"]
)
def test_a_card_number_disguised_as_a_signature_key_id_is_masked(kid: str) -> None:
    """A ``labels.sig`` shaped like a signature but whose key id spells a card number is
    not trusted: the PAN digits are masked like anywhere else."""
    sig = f"v1:{kid}:05qOgUUQiZIKFMQ3IKqhq3gWp_Kbp2pJMNN50qxw3cI"
    masked = Masker()(order({"product": "vase"}, labels={"sig": sig}))
    assert PAN not in re.sub(r"[^0-9]", "", str(masked.labels))
    assert "pan" in masked.labels["masked"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (f"Err{PAN}", "Err427638******5679"),
        ("Card-4276-3800-1234-5679", "Card-4276-38**-****-5679"),
        ("Err４２７６３８００１２３４５６７９", "Err427638******5679"),
        ("PaymentDeclinedError", "PaymentDeclinedError"),
        ("Err4276380012345678", "Err4276380012345678"),  # fails Luhn: kept
    ],
)
def test_a_card_number_in_an_identifier_field_is_masked(value: str, expected: str) -> None:
    """Identifier fields (error.type here) skip the personal-data detectors, but a card
    number is masked there too (PCI DSS 3.5.1); a value holding no PAN stays as it is."""
    event = ErrorEvent(timestamp=TS, event_id="e1", service="shop-api", error_type=value,
                       error_message="declined")  # fmt: skip
    masked, report = Masker().mask_event(event)
    assert (masked.error_type, report.rules) == (expected, ("pan",) if expected != value else ())


def test_order_ids_stay_whole_even_when_they_pass_the_card_test() -> None:
    """The issue keeps order ids as they are ("not masked: order ids"): they join the order
    journey and replays, and a numeric id can pass issuer + Luhn by chance."""
    event = msgspec.structs.replace(order({"product": "vase"}), order_id=PAN)
    masked, report = Masker().mask_event(event)
    assert (masked.order_id, report.rules) == (PAN, ())
