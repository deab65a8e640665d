"""The analytics service of ``logyard up``: folds new events in while running; settings."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from logyard.api.services import analytics as service
from logyard.catalog import UserLoggedIn
from logyard.errors import ConfigError
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore


@pytest.fixture
def store() -> Iterator[DuckDBStore]:
    s = DuckDBStore(None)
    yield s
    s.close()


def test_service_folds_in_new_events(store: DuckDBStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Events stored while the service runs become facts without anyone asking."""
    monkeypatch.setenv("LOGYARD_ANALYTICS_INTERVAL_SECS", "0.05")
    running = service.start(SimpleNamespace(store=store))  # type: ignore[arg-type]
    assert running is not None
    try:
        login = UserLoggedIn(
            timestamp=datetime(2026, 11, 25, 9, tzinfo=UTC), event_id="s1", service="mes",
            user_name="ivanova",
        )  # fmt: skip
        store.write(WriteBatch(events=[login]))
        deadline = time.monotonic() + 20
        found: list[Any] = []
        while not found and time.monotonic() < deadline:
            with store.connection() as cur:
                found = cur.execute("SELECT user_name FROM analytics.sessions").fetchall()
            time.sleep(0.05)
    finally:
        running.stop()
    assert found == [("ivanova",)]


def test_service_can_be_turned_off(store: DuckDBStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """LOGYARD_ANALYTICS=off starts nothing."""
    monkeypatch.setenv("LOGYARD_ANALYTICS", "off")
    assert service.start(SimpleNamespace(store=store)) is None  # type: ignore[arg-type]


def test_bad_interval_is_a_config_error(
    store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A non-positive or non-numeric interval names the variable and what to set."""
    monkeypatch.setenv("LOGYARD_ANALYTICS_INTERVAL_SECS", "soon")
    with pytest.raises(ConfigError, match="LOGYARD_ANALYTICS_INTERVAL_SECS: 'soon' is not a"):
        service.start(SimpleNamespace(store=store))  # type: ignore[arg-type]
