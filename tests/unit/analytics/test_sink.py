"""What every :class:`AnalyticsSink` promises (parametrized over the implementations in
``SINKS``; the ``analytics-*`` OpenSearch sink needs a server, so
``tests/integration/opensearch/test_analytics_sink.py`` runs these same tests on it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from logyard.analytics import AnalyticsSink, DuckDBAnalyticsSink, FactBatch, StoredEvent
from logyard.store.duckdb import DuckDBStore

T = datetime(2026, 11, 25, 9, 0)


def _duckdb() -> Iterator[AnalyticsSink]:
    store = DuckDBStore(None)
    yield DuckDBAnalyticsSink(store.connection)
    store.close()


SINKS: dict[str, Callable[[], Iterator[AnalyticsSink]]] = {"duckdb": _duckdb}


@pytest.fixture(params=sorted(SINKS))
def sink(request: pytest.FixtureRequest) -> Iterator[AnalyticsSink]:
    yield from SINKS[request.param]()


def login_batch(event_id: str = "e1") -> FactBatch:
    batch = FactBatch()
    batch.add(StoredEvent(1, T, event_id, "user.logged_in", "crm", None, "anna", None, None, None))
    return batch


def test_new_sink_has_no_cursors(sink: AnalyticsSink) -> None:
    """A fresh sink starts every system at the beginning."""
    assert sink.cursors() == {}


def test_apply_moves_cursors_forward_only(sink: AnalyticsSink) -> None:
    """apply stores the cursors with the facts; an older position never moves one back."""
    sink.apply(login_batch(), {"crm": 7, "mes": 3})
    sink.apply(FactBatch(), {"crm": 5})
    assert sink.cursors() == {"crm": 7, "mes": 3}


def test_reset_forgets_cursors(sink: AnalyticsSink) -> None:
    """reset starts from scratch."""
    sink.apply(login_batch(), {"crm": 7})
    sink.reset()
    assert sink.cursors() == {}
