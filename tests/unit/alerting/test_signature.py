"""Error signatures: variable parts are normalized, the wording and the type are kept."""

from __future__ import annotations

import pytest

from logyard.alerting import fingerprint, normalize_message


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("upstream did not answer within 10000 ms", "upstream did not answer within <n> ms"),
        ("order 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b not found", "order <uuid> not found"),
        ("message 9f86d081884c7d65 already processed", "message <hex> already processed"),
        ("bad pointer 0x7ffd5e8c", "bad pointer <hex>"),
        ("phone '+7 999 123' of \"Ivan\" invalid", "phone <str> of <str> invalid"),
        ("pool  exhausted\n(size 20)", "pool exhausted (size <n>)"),
        ("deadbeef is a word here", "deadbeef is a word here"),
    ],
)
def test_normalize_message(message: str, expected: str) -> None:
    """Numbers, UUIDs, hex ids (with a digit) and quoted strings become placeholders."""
    assert normalize_message(message) == expected


def test_same_error_with_other_values_has_one_fingerprint() -> None:
    """Two timeouts that differ only in numbers share a fingerprint."""
    assert fingerprint("TimeoutError", "waited 10 s for 10.0.0.7") == fingerprint(
        "TimeoutError", "waited 30 s for 10.0.0.9"
    )


def test_type_and_wording_make_a_new_fingerprint() -> None:
    """Another type or another wording is another signature."""
    base = fingerprint("TimeoutError", "waited 10 s")
    assert (
        len(
            {base, fingerprint("OSError", "waited 10 s"), fingerprint("TimeoutError", "slept 10 s")}
        )
        == 3
    )
