"""The public surface of logyard.retention is what we meant."""

from __future__ import annotations

import logyard.retention as retention


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted as ruff sorts it and every name resolves."""
    names = retention.__all__
    order = sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert (order, []) == (names, [n for n in names if getattr(retention, n, None) is None])
