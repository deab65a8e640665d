"""The retention service of `logyard up`: off when disabled, runs on its schedule, stops."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from tests.unit.retention._data import day_events, open_store

from logyard.api.services import retention as service
from logyard.errors import ConfigError
from logyard.store.duckdb import DuckDBStore


@dataclass
class _Runtime:
    """What the service uses of ``logyard.api._runtime.Runtime``."""

    store: DuckDBStore
    data_dir: Path


@pytest.fixture
def runtime(tmp_path: Path) -> _Runtime:
    store = open_store(tmp_path / "logs.duckdb", [day_events("mes", date(2020, 1, 1), 3)])
    return _Runtime(store, tmp_path)


def test_disabled_starts_nothing(runtime: _Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """``LOGYARD_RETENTION_ENABLED=false``: no service."""
    monkeypatch.setenv("LOGYARD_RETENTION_ENABLED", "false")
    assert None is service.start(runtime)  # type: ignore[arg-type]


def test_a_bad_variable_keeps_it_from_starting(
    runtime: _Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong value is a ConfigError naming the variable (``up`` logs it and runs on)."""
    monkeypatch.setenv("LOGYARD_RETENTION_DAYS", "soon")
    with pytest.raises(ConfigError, match="LOGYARD_RETENTION_DAYS: 'soon' is not a number"):
        service.start(runtime)  # type: ignore[arg-type]


def test_it_runs_after_the_start_delay_and_stops(
    runtime: _Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no delay the first run archives the old day into ``<data dir>/archive``; stop()
    returns and no further run starts."""
    monkeypatch.setenv("LOGYARD_RETENTION_START_DELAY_SECS", "0")
    monkeypatch.delenv("LOGYARD_RETENTION_TO", raising=False)
    monkeypatch.delenv("LOGYARD_RETENTION_ENABLED", raising=False)
    started = service.start(runtime)  # type: ignore[arg-type]
    assert started is not None
    deadline = time.monotonic() + 30
    while started.runs == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started.stop()
    manifests = list((runtime.data_dir / "archive").rglob("*.manifest.json"))
    expected = (1, 0, 1, False)
    assert expected == (
        started.runs,
        runtime.store.count(),
        len(manifests),
        started._thread.is_alive(),
    )
