"""``osmem-server`` (an in-memory OpenSearch-compatible server from PyPI) for the store tests.

One base server per session; every test gets its own clone (its own port, empty indices).
A server that cannot start skips the tests, and fails them when ``CI=true``. A conftest
takes the fixtures with ``from tests.integration.opensearch._osmem import opensearch_url,
osmem``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

__all__ = ["opensearch_url", "osmem", "osmem_base", "osmem_clone_url"]


def osmem_base() -> Iterator[object]:
    """Start the base server (a generator for a session fixture)."""
    try:
        from osmem_server import OsmemError, OsmemServer
    except ImportError as exc:  # pragma: no cover - installed with the dev extra
        _unavailable(f"osmem-server is not installed ({exc}); pip install osmem-server")
        return
    try:
        server = OsmemServer.start(japanese=False)
    except (OsmemError, OSError) as exc:
        _unavailable(str(exc))
        return
    try:
        yield server
    finally:
        server.close()
        for pipe in (server.process.stdin, server.process.stdout):
            if pipe is not None:
                pipe.close()


def osmem_clone_url(server: object) -> Iterator[str]:
    """A fresh clone of ``server`` for one test; yields its URL and closes it afterwards."""
    clone = server.clone()  # type: ignore[attr-defined]
    try:
        yield clone.url
    finally:
        clone.close()


@pytest.fixture(scope="session")
def osmem() -> Iterator[object]:
    """The session's base osmem-server (skipped when it cannot start, failed when CI=true)."""
    yield from osmem_base()


@pytest.fixture
def opensearch_url(osmem: object) -> Iterator[str]:
    """The URL of a fresh, empty OpenSearch-compatible cluster for this test."""
    yield from osmem_clone_url(osmem)


def _unavailable(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the OpenSearch test server is unavailable: {why}")
    pytest.skip(f"OpenSearch test server unavailable: {why}")
