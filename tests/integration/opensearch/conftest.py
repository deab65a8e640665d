"""Fixtures of the OpenSearch store tests: osmem-server clones and a scripted peer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._osmem import opensearch_url, osmem
from ._peer import Peer, serve_peer

__all__ = ["opensearch_url", "osmem", "peer"]


@pytest.fixture
def peer() -> Iterator[Peer]:
    """A scripted cluster on loopback (OpenSearch 2.19 unless the test changes it)."""
    with serve_peer() as found:
        yield found
