"""The public surface of logyard.security.crypto is what we meant."""

from __future__ import annotations

import logyard.security.crypto as crypto


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted as ruff sorts it (constants, classes, functions) and every name
    in it resolves."""
    names = crypto.__all__
    order = sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert (order, []) == (names, [n for n in names if getattr(crypto, n, None) is None])


def test_errors_are_logyard_errors() -> None:
    """Every error of the package is in the LogyardError tree under EncryptionError."""
    from logyard.errors import LogyardError

    errors = [crypto.EnvelopeInvalid, crypto.KeyringError, crypto.SubjectForgotten]
    assert [issubclass(e, crypto.EncryptionError) for e in errors] + [
        issubclass(crypto.EncryptionError, LogyardError)
    ] == [True] * 4
