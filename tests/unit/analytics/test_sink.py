"""What every :class:`AnalyticsSink` promises (parametrized over the implementations in
``SINKS``; the ``analytics-*`` OpenSearch sink needs a server, so
``tests/integration/opensearch/test_analytics_sink.py`` runs these same tests on it, with
its own ``sink`` and ``read_facts`` fixtures)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from logyard.analytics import AnalyticsSink, DuckDBAnalyticsSink, FactBatch, StoredEvent
from logyard.analytics._documents import COLUMNS
from logyard.store.duckdb import DuckDBStore

T = datetime(2026, 11, 25, 9, 0)

#: The sink's stored rows of a table, each as the value of the table's first column
#: (``event_id`` of a fact, ``login_event_id`` of a session, ``system`` of activity), sorted.
FactReader = Callable[[str], list[str]]


def _duckdb() -> Iterator[tuple[AnalyticsSink, FactReader]]:
    store = DuckDBStore(None)

    def read(table: str) -> list[str]:
        key = COLUMNS[table][0][0]
        with store.connection() as cur:
            rows = cur.execute(f"SELECT {key} FROM analytics.{table}").fetchall()
        return sorted(str(r[0]) for r in rows)

    yield DuckDBAnalyticsSink(store.connection), read
    store.close()


SINKS: dict[str, Callable[[], Iterator[tuple[AnalyticsSink, FactReader]]]] = {"duckdb": _duckdb}


@pytest.fixture(params=sorted(SINKS))
def _sink_and_reader(request: pytest.FixtureRequest) -> Iterator[tuple[AnalyticsSink, FactReader]]:
    yield from SINKS[request.param]()


@pytest.fixture
def sink(_sink_and_reader: tuple[AnalyticsSink, FactReader]) -> AnalyticsSink:
    return _sink_and_reader[0]


@pytest.fixture
def read_facts(_sink_and_reader: tuple[AnalyticsSink, FactReader]) -> FactReader:
    """Reads what ``sink`` stored, by its own means (SQL on the DuckDB tables)."""
    return _sink_and_reader[1]


def login_batch(event_id: str = "e1") -> FactBatch:
    batch = FactBatch()
    batch.add(StoredEvent(1, T, event_id, "user.logged_in", "crm", None, "anna", None, None, None))
    return batch


def test_new_sink_has_no_cursors(sink: AnalyticsSink) -> None:
    """A fresh sink starts every system at the beginning."""
    assert sink.cursors() == {}


def _stored(read_facts: FactReader) -> dict[str, list[str]]:
    return {t: read_facts(t) for t in ("session_events", "sessions", "activity_daily")}


def test_apply_moves_cursors_forward_only(sink: AnalyticsSink, read_facts: FactReader) -> None:
    """apply stores the facts (the login, its session, the user's day) with the cursors;
    an older position never moves one back."""
    sink.apply(login_batch(), {"crm": 7, "mes": 3})
    assert _stored(read_facts) == {
        "session_events": ["e1"], "sessions": ["e1"], "activity_daily": ["crm"],
    }  # fmt: skip
    sink.apply(FactBatch(), {"crm": 5})
    assert sink.cursors() == {"crm": 7, "mes": 3}


def test_reset_forgets_cursors(sink: AnalyticsSink, read_facts: FactReader) -> None:
    """reset starts from scratch: no cursor and no fact is left."""
    sink.apply(login_batch(), {"crm": 7})
    assert read_facts("session_events") == ["e1"]
    sink.reset()
    assert sink.cursors() == {}
    assert _stored(read_facts) == {"session_events": [], "sessions": [], "activity_daily": []}


def test_arrow_schemas_are_the_duckdb_tables() -> None:
    """The Arrow schemas the DuckDB sink inserts facts and activity with (derived from
    ``COLUMNS``) have the DuckDB tables' columns, in order, with the Arrow type DuckDB
    itself gives each column."""
    import duckdb

    from logyard.analytics._schema import create_statements
    from logyard.analytics._sink import _ACTIVITY, _SCHEMAS

    con = duckdb.connect()
    try:
        for statement in create_statements():
            con.execute(statement)
        for table, schema in [*_SCHEMAS.items(), ("activity_daily", _ACTIVITY)]:
            ddl = con.sql(f"SELECT * FROM analytics.{table} LIMIT 0").to_arrow_table().schema
            expected = [(f.name, f.type) for f in ddl]
            assert [(f.name, f.type) for f in schema] == expected, table
    finally:
        con.close()
    assert sorted(_SCHEMAS) == sorted(
        ["order_events", "requests", "session_events", "ops_events", "feedback"]
    )
