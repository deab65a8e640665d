"""Fixtures of the OpenSearch store tests: osmem-server clones and a scripted peer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._osmem import osmem_base, osmem_clone_url
from ._peer import Peer, serve_peer


@pytest.fixture(scope="session")
def osmem() -> Iterator[object]:
    """The session's base osmem-server (skipped when it cannot start, failed when CI=true)."""
    yield from osmem_base()


@pytest.fixture
def opensearch_url(osmem: object) -> Iterator[str]:
    """The URL of a fresh, empty OpenSearch-compatible cluster for this test."""
    yield from osmem_clone_url(osmem)


@pytest.fixture
def peer() -> Iterator[Peer]:
    """A scripted cluster on loopback (OpenSearch 2.19 unless the test changes it)."""
    with serve_peer() as found:
        yield found
