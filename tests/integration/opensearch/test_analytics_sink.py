"""The ``analytics-*`` sink on osmem-server: the AnalyticsSink contract, the same rows as the
DuckDB sink on simulated traffic, replays and concurrent writers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.unit.analytics.test_sink import (
    FactReader,
    login_batch,
    test_apply_moves_cursors_forward_only,
    test_new_sink_has_no_cursors,
    test_reset_forgets_cursors,
)

from logyard.analytics import AnalyticsSink, Analyzer, OpenSearchAnalyticsSink
from logyard.analytics._documents import COLUMNS, TABLES, index_of
from logyard.sim import Simulator
from logyard.store import WriteBatch
from logyard.store.duckdb import DuckDBStore

from ._analytics import cluster_rows, duckdb_rows
from ._osmem import opensearch_url, osmem

__all__ = [
    "opensearch_url",
    "osmem",
    "test_apply_moves_cursors_forward_only",
    "test_new_sink_has_no_cursors",
    "test_reset_forgets_cursors",
]

START = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.fixture
def sink(opensearch_url: str) -> Iterator[AnalyticsSink]:
    """The contract tests imported above run on this sink (osmem-server)."""
    s = OpenSearchAnalyticsSink(opensearch_url)
    yield s
    s.close()


@pytest.fixture
def read_facts(sink: AnalyticsSink) -> FactReader:
    """Reads what ``sink`` stored by searching its index (after a refresh)."""
    assert isinstance(sink, OpenSearchAnalyticsSink)
    client = sink.client

    def read(table: str) -> list[str]:
        key = COLUMNS[table][0][0]
        client.request("POST", f"/{index_of(table)}/_refresh")
        body = {"size": 10_000, "query": {"match_all": {}}}
        resp = client.request("POST", f"/{index_of(table)}/_search", body=body)
        assert resp.ok, resp
        return sorted(str(h["_source"][key]) for h in resp.body["hits"]["hits"])

    return read


@pytest.fixture(scope="module")
def sim_store() -> Iterator[DuckDBStore]:
    """Seed 11, two events per second for 90 minutes (~11k events) in a DuckDB store."""
    events = list(Simulator(seed=11, rate=2.0, start=START).events(90 * 60))
    store = DuckDBStore(None)
    for i in range(0, len(events), 4000):
        store.write(WriteBatch(events=events[i : i + 4000]))
    Analyzer(store).catch_up()  # the DuckDB sink: analytics.* in the store's file
    yield store
    store.close()


def test_same_rows_as_the_duckdb_sink(sim_store: DuckDBStore, opensearch_url: str) -> None:
    """Folding the same stored events in batches of 1500 (an order's facts span batches)
    gives every analytics-* index exactly the rows of the DuckDB sink's table."""
    sink = OpenSearchAnalyticsSink(opensearch_url)
    try:
        Analyzer(sim_store, sink, batch_size=1500).catch_up()
    finally:
        sink.close()
    for table in TABLES:
        expected = duckdb_rows(sim_store, table)
        assert expected, f"{table}: the simulated traffic has no rows, the test proves nothing"
        assert expected == cluster_rows(opensearch_url, table), table


def test_a_replay_changes_nothing(sim_store: DuckDBStore, opensearch_url: str) -> None:
    """Every batch applied a second time over its facts (what a crash before each cursor
    write leads to) leaves every index as it was, and the cursors where they were."""
    sink = OpenSearchAnalyticsSink(opensearch_url)
    try:
        Analyzer(sim_store, sink, batch_size=3000).catch_up()
        before = {t: cluster_rows(opensearch_url, t) for t in TABLES}
        cursors = sink.cursors()
        # lose the cursors only (the whole index: no version tombstones are left behind)
        assert sink.client.request("DELETE", "/logyard-analytics-cursors").ok
        sink._create_indices()
        assert sink.cursors() == {}
        Analyzer(sim_store, sink, batch_size=3000).catch_up()
        after = {t: cluster_rows(opensearch_url, t) for t in TABLES}
        assert (before, cursors) == (after, sink.cursors())
    finally:
        sink.close()


def test_a_stale_writer_cannot_overwrite_a_fuller_order(opensearch_url: str) -> None:
    """An orders row computed from fewer facts (a slower processor) is refused by the
    cluster (external version = facts counted); the fuller row stays."""
    sink = OpenSearchAnalyticsSink(opensearch_url)
    try:
        full = {"_index": index_of("orders"), "_id": "ORD-9", "version": 3,
                "version_type": "external_gte"}  # fmt: skip
        stale = {**full, "version": 2}
        sink._versioned([(full, {"order_id": "ORD-9", "changes": 2})], "order")
        sink._versioned([(stale, {"order_id": "ORD-9", "changes": 1})], "order")
        got = sink.client.request("GET", f"/{index_of('orders')}/_doc/ORD-9")
        assert got.body["_source"] == {"order_id": "ORD-9", "changes": 2}
    finally:
        sink.close()


def test_the_cursor_is_a_cluster_document(opensearch_url: str) -> None:
    """The cursor lives in logyard-analytics-cursors (outside analytics-*, which
    Support_Logs reads), one document per system, with the position as its version."""
    sink = OpenSearchAnalyticsSink(opensearch_url)
    try:
        sink.apply(login_batch(), {"crm": 7})
        got = sink.client.request("GET", "/logyard-analytics-cursors/_doc/crm")
        assert (got.body["_source"], got.body["_version"]) == ({"key": "crm", "seq": 7}, 7)
    finally:
        sink.close()


def test_setup_templates_shape_the_indices_the_sink_creates(opensearch_url: str) -> None:
    """After `logyard setup`'s analytics templates are in place (a second run changes
    nothing), the indices the sink creates carry their mappings."""
    import io

    from logyard.setup import HttpClient, Plan, apply_plan, cluster_options
    from logyard.setup._analytics import analytics_template_steps

    plan = Plan("opensearch", tuple(analytics_template_steps(cluster_options())))
    client = HttpClient(opensearch_url)
    apply_plan(plan, client, out=io.StringIO())
    second = apply_plan(plan, client, out=io.StringIO())
    sink = OpenSearchAnalyticsSink(opensearch_url, create_indices=False)
    try:
        sink.apply(login_batch(), {"crm": 1})
        got = sink.client.request("GET", "/analytics-session_events/_mapping").body
    finally:
        sink.close()
    kind = got["analytics-session_events"]["mappings"]["properties"]["kind"]
    assert (second, kind) == (0, {"type": "keyword", "ignore_above": 1024})


def test_an_unreachable_cluster_is_named() -> None:
    """A sink pointed at a port nobody listens on fails at once with the URL and what to
    check (no retry loop at construction)."""
    import socket

    from logyard.errors import StoreError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(StoreError, match=rf"{url}: unreachable .*check the url"):
        OpenSearchAnalyticsSink(url, timeout_secs=2)


def test_the_other_flavour_is_named(opensearch_url: str) -> None:
    """flavour = "elasticsearch" against OpenSearch says which one the cluster is."""
    from logyard.errors import StoreError

    with pytest.raises(StoreError, match='set flavour = "opensearch"'):
        OpenSearchAnalyticsSink(opensearch_url, flavour="elasticsearch")


def test_activity_merges_survive_a_concurrent_writer(opensearch_url: str) -> None:
    """Two processors merge the same user's day at once: the one whose read went stale
    gets a 409 (if_seq_no), reads again and merges again, so first/last span both."""
    from logyard.analytics import FactBatch, StoredEvent

    def seen(minute: int) -> FactBatch:
        batch = FactBatch()
        at = datetime(2026, 11, 25, 9, minute)
        batch.add(StoredEvent(1, at, f"e{minute}", "page.viewed", "crm", None, "anna", None,
                              None, None))  # fmt: skip
        return batch

    first = OpenSearchAnalyticsSink(opensearch_url)
    other = OpenSearchAnalyticsSink(opensearch_url)
    try:
        first.apply(seen(30), {})
        merge = first._merge
        calls = []

        def interleaved(items: list[Any]) -> set[str]:
            if not calls:  # the other processor writes between our read and our write
                other.apply(seen(50), {})
            calls.append(len(items))
            return merge(items)

        first._merge = interleaved  # type: ignore[method-assign]
        first.apply(seen(10), {})
        got = first.client.request("POST", "/analytics-activity_daily/_search",
                                   body={"query": {"match_all": {}}}).body  # fmt: skip
    finally:
        first.close()
        other.close()
    sources = [h["_source"] for h in got["hits"]["hits"]]
    expected = [
        {
            "system": "crm",
            "user_name": "anna",
            "day": "2026-11-25",
            "first_at": "2026-11-25T09:10:00.000Z",
            "last_at": "2026-11-25T09:50:00.000Z",
        }
    ]
    assert (sources, calls) == (expected, [1, 1])


def test_versioned_rows_refused_with_429_are_sent_again(peer: Any) -> None:
    """A 200 bulk answer with a per-item 429 (a full write queue): only that row is sent
    again, and the write succeeds; a per-item 400 is an error naming the row."""
    from logyard.errors import StoreError

    from ._peer import item_statuses

    sink = OpenSearchAnalyticsSink(peer.url)
    try:
        peer.bulk_script += [item_statuses({1: 429})]
        rows = [(_row_meta(f"ORD-{i}"), {"order_id": f"ORD-{i}"}) for i in range(3)]
        sink._versioned(rows, "order")
        sent = list(peer.bulk_requests)
        peer.bulk_script += [item_statuses({0: 400})]
        with pytest.raises(StoreError, match=r"writing order ORD-0 failed \(HTTP 400"):
            sink._versioned(rows[:1], "order")
    finally:
        sink.close()
    assert sent == [["ORD-0", "ORD-1", "ORD-2"], ["ORD-1"]]


def _row_meta(order_id: str) -> dict[str, Any]:
    return {"_index": index_of("orders"), "_id": order_id, "version": 1,
            "version_type": "external_gte"}  # fmt: skip
