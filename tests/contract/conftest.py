"""Fixtures of the contract suites: an ``osmem-server`` for the OpenSearch store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.integration.opensearch._osmem import osmem_base, osmem_clone_url


@pytest.fixture(scope="session")
def osmem() -> Iterator[object]:
    """The session's base osmem-server (skipped when it cannot start, failed when CI=true)."""
    yield from osmem_base()


@pytest.fixture
def opensearch_url(osmem: object) -> Iterator[str]:
    """The URL of a fresh, empty OpenSearch-compatible cluster for this test."""
    yield from osmem_clone_url(osmem)
