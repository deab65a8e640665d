"""Shared simulated data: one hour of the company, generated once per session."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from logyard.catalog import Event
from logyard.sim import Simulator

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
HOUR_RATE = 40.0


@pytest.fixture(scope="session")
def start() -> datetime:
    """Where simulated time begins in these tests."""
    return START


@pytest.fixture(scope="session")
def hour() -> list[Event]:
    """One simulated hour at 40 events/s (seed 7)."""
    return list(Simulator(seed=7, rate=HOUR_RATE, start=START).events(3600))
