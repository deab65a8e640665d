"""Fixtures of the SDK's integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .ingest_server import IngestServer


@pytest.fixture
def ingest() -> Iterator[IngestServer]:
    """A running ingest server on a free loopback port."""
    server = IngestServer()
    server.start()
    yield server
    server.stop()
