"""What a key name says about its value: secrets and card data are dropped, personal keys masked.

Keys are compared case-insensitively with ``-``, ``_``, ``.`` and spaces removed, so
``API_KEY``, ``api-key``, ``apiKey`` and ``X-Api-Key`` are the same key; a dotted key
(``delivery.address``) is also judged by its last segment. A bare ``name`` is personal only
under a person key (``customer.name``, ``recipient.name``), not in ``product.name``.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["KeyKind", "key_kind"]

KeyKind = Literal[
    "secret", "card_data", "pan", "name", "bare_name", "address", "email", "phone", "passport",
    "snils", "inn", "birth_date", "person", "ip",
]  # fmt: skip

_EXACT: dict[str, KeyKind] = {
    # secrets
    "password": "secret", "passwd": "secret", "pwd": "secret", "pass": "secret",
    "passphrase": "secret", "pin": "secret", "otp": "secret", "token": "secret",
    "secret": "secret", "authorization": "secret", "auth": "secret", "apikey": "secret",
    "xapikey": "secret", "cookie": "secret", "setcookie": "secret", "session": "secret",
    "sessionid": "secret", "sid": "secret", "jwt": "secret", "bearer": "secret",
    "privatekey": "secret", "credentials": "secret",
    "clientsecret": "secret", "accesskey": "secret", "secretkey": "secret",
    # card data that is never kept (PCI DSS 3.3.1)
    "cvv": "card_data", "cvv2": "card_data", "cvc": "card_data", "cvc2": "card_data",
    "cav2": "card_data", "cid": "card_data", "csc": "card_data", "track": "card_data",
    "track1": "card_data", "track2": "card_data", "trackdata": "card_data",
    "pinblock": "card_data",
    # card numbers: the value is masked like any PAN
    "pan": "pan", "card": "pan", "cardnumber": "pan", "cardno": "pan", "ccnumber": "pan",
    "creditcard": "pan",
    # personal
    "name": "bare_name", "fullname": "name", "firstname": "name", "lastname": "name",
    "surname": "name", "middlename": "name", "patronymic": "name", "fio": "name",
    "customername": "name", "recipientname": "name", "contactname": "name",
    "payername": "name", "cardholder": "name", "cardholdername": "name", "holdername": "name",
    "recipient": "person", "customer": "person", "payer": "person", "contact": "person",
    "buyer": "person", "receiver": "person", "sender": "person", "person": "person",
    "address": "address", "addr": "address", "street": "address", "deliveryaddress": "address",
    "shippingaddress": "address", "billingaddress": "address", "homeaddress": "address",
    "postaddress": "address", "postaladdress": "address",
    "email": "email", "mail": "email", "emailaddress": "email",
    "phone": "phone", "tel": "phone", "telephone": "phone", "mobile": "phone",
    "phonenumber": "phone", "msisdn": "phone", "mobilephone": "phone",
    "passport": "passport", "passportnumber": "passport", "passportno": "passport",
    "snils": "snils", "inn": "inn",
    "birthdate": "birth_date", "dateofbirth": "birth_date", "dob": "birth_date",
    "birthday": "birth_date",
    "ip": "ip", "clientip": "ip", "remoteaddr": "ip", "remoteip": "ip", "ipaddress": "ip",
    "xforwardedfor": "ip", "xrealip": "ip", "sourceip": "ip",
}  # fmt: skip
_SUBSTRINGS: tuple[tuple[str, KeyKind], ...] = (
    ("password", "secret"),
    ("passwd", "secret"),
    ("secret", "secret"),
    ("token", "secret"),
    ("apikey", "secret"),
    ("authorization", "secret"),
    ("privatekey", "secret"),
    ("credential", "secret"),
    ("cookie", "secret"),
)
_STRIP = re.compile(r"[\-_. ]")
_CACHE: dict[str, KeyKind | None] = {}
_CACHE_MAX = 4096


def _judge(norm: str) -> KeyKind | None:
    kind = _EXACT.get(norm)
    if kind is not None:
        return kind
    for part, k in _SUBSTRINGS:
        if part in norm:
            return k
    return None


def key_kind(key: str) -> KeyKind | None:
    """What ``key`` names, or ``None`` for an ordinary key (cached: keys repeat)."""
    try:
        return _CACHE[key]
    except KeyError:
        pass
    low = key.lower()
    kind = _judge(_STRIP.sub("", low))
    if kind is None and "." in low:
        kind = _judge(_STRIP.sub("", low.rsplit(".", 1)[1]))
    if len(_CACHE) < _CACHE_MAX:
        _CACHE[key] = kind
    return kind
