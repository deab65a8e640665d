"""Shared fixtures of the end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def kafka_bootstrap(tmp_path: Path) -> Iterator[str]:
    """A Tansu broker of this test's own (fails under CI=true if it cannot start)."""
    from tests.integration.kafka._tansu import TansuBroker

    broker = TansuBroker(tmp_path / "tansu.log")
    try:
        broker.start()
    except Exception as exc:
        broker.stop()
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Tansu unavailable: {exc}")
    yield broker.bootstrap
    broker.stop()
