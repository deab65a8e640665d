"""Fixtures of the setup tests: an osmem-server clone per test, and scripted HTTP peers.

osmem-server (PyPI) is an in-memory OpenSearch-compatible server: templates, aliases, indices
and documents are real; ISM, SM, snapshots and the security plugin are absent, which is how
the tests see setup report a missing API. A server that cannot start skips these tests, and
fails them when ``CI=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests._loopback import self_signed
from tests.integration.opensearch._osmem import opensearch_url, osmem

from ._peer import Peer, serve

__all__ = ["cluster_url", "opensearch_url", "osmem", "peer", "tls_peer"]


@pytest.fixture
def cluster_url(opensearch_url: str) -> str:
    """A fresh, empty clone of the session's osmem-server for one test."""
    return opensearch_url


@pytest.fixture
def peer() -> Iterator[Peer]:
    """A scripted HTTP server on loopback (answers set by the test)."""
    with serve() as found:
        yield found


@pytest.fixture
def tls_peer(tmp_path: Path) -> Iterator[tuple[Peer, Path]]:
    """A scripted HTTPS server on loopback and the path of its (self-signed) certificate."""
    cert, key = self_signed(tmp_path)
    with serve((cert, key)) as found:
        yield found, cert
