"""``logyard setup elasticsearch|opensearch`` puts index templates for the analytic schema:
one per ``analytics-<table>`` index and one for ``logyard-analytics-cursors``, the same in
both flavours (documented ``PUT _index_template/<name>`` bodies)."""

from __future__ import annotations

from typing import Any

import pytest

from logyard.analytics._documents import TABLES, table_mappings
from logyard.setup import Request, cluster_options, elasticsearch_plan, opensearch_plan

PLANS = {"elasticsearch": elasticsearch_plan, "opensearch": opensearch_plan}
DATE = {"type": "date", "format": "strict_date_optional_time||epoch_millis"}
KEYWORD = {"type": "keyword", "ignore_above": 1024}


def _requests(flavour: str, **options: Any) -> dict[str, Request]:
    plan = PLANS[flavour](cluster_options(**options))
    return {r.path: r for r in plan.create_requests()}


@pytest.mark.parametrize("flavour", sorted(PLANS))
def test_requests_template_of_the_requests_index(flavour: str) -> None:
    """analytics-requests: exactly that index, strict mappings from the fact schema
    (keywords, a date, numbers), the shard and replica options, marked as logyard's."""
    expected = Request(
        "PUT",
        "/_index_template/analytics-requests",
        {
            "index_patterns": ["analytics-requests"],
            "priority": 500,
            "template": {
                "settings": {"index.number_of_shards": 3, "index.number_of_replicas": 2},
                "mappings": {
                    "dynamic": "strict",
                    "properties": {
                        "event_id": KEYWORD,
                        "system": KEYWORD,
                        "ts": DATE,
                        "trace_id": KEYWORD,
                        "method": KEYWORD,
                        "route": KEYWORD,
                        "status": {"type": "integer"},
                        "duration_ms": {"type": "double"},
                        "retry_attempt": {"type": "integer"},
                    },
                },
            },
            "_meta": {"managed_by": "logyard", "schema": "analytics"},
        },
    )
    actual = _requests(flavour, shards=3, replicas=2)["/_index_template/analytics-requests"]
    assert actual == expected


@pytest.mark.parametrize("flavour", sorted(PLANS))
def test_one_template_per_table_and_the_cursors(flavour: str) -> None:
    """Every analytic table has its template with its own mappings, plus the cursors'."""
    requests = _requests(flavour)
    names = {p.rsplit("/", 1)[1] for p in requests if p.startswith("/_index_template/")}
    wanted = {f"analytics-{t}" for t in TABLES} | {"logyard-analytics-cursors"}
    assert wanted <= names
    for table in TABLES:
        body = requests[f"/_index_template/analytics-{table}"].body
        assert body["template"]["mappings"] == table_mappings(table)


def test_the_cursors_template() -> None:
    """The cursors' index: a key and a position, nothing else."""
    body = _requests("opensearch")["/_index_template/logyard-analytics-cursors"].body
    expected = {
        "dynamic": "strict",
        "properties": {"key": {"type": "keyword"}, "seq": {"type": "long"}},
    }
    assert body["template"]["mappings"] == expected


def test_order_parameters_are_kept_but_not_mapped() -> None:
    """params/old/new of order_events are objects in _source, never mapped field by field
    (no mapping conflicts however producers shape them)."""
    body = _requests("elasticsearch")["/_index_template/analytics-order_events"].body
    props = body["template"]["mappings"]["properties"]
    unmapped = {"type": "object", "enabled": False}
    assert [props["params"], props["old"], props["new"]] == [unmapped] * 3


def test_the_opensearch_writer_maintains_the_analytic_schema() -> None:
    """logyard_writer (the processor's user) reads back and writes analytics-* and the
    cursors' index: the sink recomputes orders and sessions from the facts it wrote."""
    body = _requests("opensearch")["/_plugins/_security/api/roles/logyard_writer"].body
    expected = {
        "index_patterns": ["analytics-*", "logyard-analytics-cursors"],
        "fls": [],
        "masked_fields": [],
        "allowed_actions": ["read", "write", "create_index", "indices_monitor"],
    }
    assert body["index_permissions"][-1] == expected
