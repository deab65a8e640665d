"""Fixtures of the setup tests: an osmem-server clone per test, and scripted HTTP peers.

osmem-server (PyPI) is an in-memory OpenSearch-compatible server: templates, aliases, indices
and documents are real; ISM, SM, snapshots and the security plugin are absent, which is how
the tests see setup report a missing API. A server that cannot start skips these tests, and
fails them when ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._peer import Peer, self_signed, serve


@pytest.fixture(scope="session")
def osmem_base() -> Iterator[Any]:
    """The session's base osmem-server."""
    try:
        from osmem_server import OsmemServer

        server = OsmemServer.start(japanese=False)
    except (ImportError, OSError, RuntimeError) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the OpenSearch test server is unavailable: {exc}")
        pytest.skip(f"OpenSearch test server unavailable: {exc}")
    try:
        yield server
    finally:
        server.close()
        for pipe in (server.process.stdin, server.process.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def cluster_url(osmem_base: Any) -> Iterator[str]:
    """A fresh, empty clone of the base server for one test."""
    clone = osmem_base.clone()
    try:
        yield clone.url
    finally:
        clone.close()


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
