"""The canonical JSON form that producer signatures cover: RFC 8785 (JCS).

JCS is what a Go, Java or JavaScript producer can reproduce with an off-the-shelf library:
object keys sorted, no whitespace, strings with the minimal JSON escapes, raw UTF-8, and
numbers written as ECMAScript writes a double (``1.0`` → ``1``, ``1e21`` → ``1e+21``,
``0.000001`` → ``0.000001``, ``1e-7`` → ``1e-7``). Integers beyond 2**53 are written as the
double they round to, as JCS asks (no catalogue field holds such an integer).

Keys are sorted by Python code points; JCS sorts by UTF-16 code units, which differs only when
a key mixes characters above U+FFFF with characters in U+E000..U+FFFF (never, for dotted
ECS names).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import msgspec

__all__ = [
    "canonical_json",
    "decode_canonical",
    "encode_canonical",
    "es_number",
    "prepare_canonical",
]

_ENCODER = msgspec.json.Encoder(order="sorted")
_DECODER = msgspec.json.Decoder()
_SAFE_INT = 2**53
# 16 digits in a row may be an integer beyond 2**53 (or only a string holding digits): such
# documents take the full walk, which writes big integers as JCS asks. Found by mapping
# digits to "0" and the rest to " " (bytes.translate is ~8x faster here than a regex).
_DIGITS_ONLY = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGITS = b"0" * 16


def es_number(value: float) -> str:
    """``value`` as ECMAScript's ``Number.prototype.toString`` writes it (RFC 8785 §3.2.2.3)."""
    if not math.isfinite(value):
        raise ValueError(f"canonical JSON: {value!r} is not a JSON number; send a finite number")
    if value == 0:
        return "0"
    short = repr(value)
    if "e" not in short:  # 1e-4 <= |value| < 1e16: Python and ECMAScript agree but for ".0"
        return short[:-2] if short.endswith(".0") else short
    sign = "-" if value < 0 else ""
    digits_tuple, exponent = Decimal(repr(abs(value))).as_tuple()[1:]
    digits = "".join(map(str, digits_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)  # finite
    # value = 0.<digits> * 10**n
    n = len(digits_tuple) + exponent
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        out = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + out


def _prepare(value: Any) -> Any:
    """``value`` with every number msgspec would write differently from JCS made raw."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if -_SAFE_INT < value < _SAFE_INT:
            return value
        return msgspec.Raw(es_number(float(value)).encode())
    if isinstance(value, float):
        return msgspec.Raw(es_number(value).encode())
    if isinstance(value, dict):
        return {k: _prepare(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_prepare(v) for v in value]
    raise TypeError(f"canonical JSON: {type(value).__name__} is not a JSON value")


def prepare_canonical(value: Any) -> Any:
    """A copy of a decoded JSON value ready for :func:`encode_canonical` (numbers in their
    JCS form)."""
    return _prepare(value)


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 bytes of a decoded JSON value (dicts, lists, str, int, float, bool, None)."""
    return _ENCODER.encode(_prepare(value))


def _raw_float(literal: str) -> msgspec.Raw:
    return msgspec.Raw(es_number(float(literal)).encode())


_RAW_FLOAT_DECODER = msgspec.json.Decoder(float_hook=_raw_float)


def decode_canonical(raw: bytes) -> Any:
    """Decode JSON ``raw`` ready for :func:`encode_canonical`: the same value as
    :func:`canonical_json` would prepare, in one pass (floats come back already written in
    ECMAScript form). ``msgspec.DecodeError`` for bad JSON, ``ValueError`` for a number that
    is not finite."""
    if _LONG_DIGITS in raw.translate(_DIGITS_ONLY):
        return _prepare(_DECODER.decode(raw))
    return _RAW_FLOAT_DECODER.decode(raw)


def encode_canonical(prepared: Any) -> bytes:
    """The RFC 8785 bytes of a value from :func:`decode_canonical` (keys sorted)."""
    return _ENCODER.encode(prepared)
