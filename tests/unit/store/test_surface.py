"""The public surface of logyard.store is what we meant, and stays light to import."""

from __future__ import annotations

import subprocess
import sys

import logyard.store


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted as ruff sorts it (constants, classes, functions) and every name
    in it resolves."""
    names = logyard.store.__all__
    order = sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    assert (order, []) == (
        names,
        [n for n in names if getattr(logyard.store, n, None) is None],
    )


def test_duckdb_is_imported_lazily() -> None:
    """Importing logyard.store does not load DuckDB; asking for DuckDBStore does."""
    code = (
        "import sys, logyard.store as s; a = 'duckdb' in sys.modules; s.DuckDBStore; "
        "print(a, 'duckdb' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
