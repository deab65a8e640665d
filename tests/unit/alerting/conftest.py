"""Fixtures of the alerting unit tests: a real DuckDB store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from logyard.store.duckdb import DuckDBStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DuckDBStore]:
    s = DuckDBStore(tmp_path / "x.duckdb")
    yield s
    s.close()
