"""The HTTP API end to end: ingest → queue → processor → DuckDB → search, with bad input."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from logyard.api import create_app

TOKEN = "api-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(tmp_path / "data", admin_token=TOKEN)
    with TestClient(app) as c:
        yield c


def event(**over: Any) -> dict[str, Any]:
    doc = {
        "@timestamp": (datetime.now(UTC) - timedelta(seconds=5)).isoformat(),
        "event.action": "order.assigned",
        "service.name": "mes",
        "user.name": "ivanova",
        "order.id": "ORD-1",
        "order.operator": "petrov",
    }
    doc.update(over)
    return {k: v for k, v in doc.items() if v is not None}


def wait_for(client: TestClient, query: str, n: int, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer = client.get("/api/v1/search", params={"q": query}, headers=AUTH).json()
        if answer["total"] >= n or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_unauthenticated_calls_are_refused_with_problem_details(client: TestClient) -> None:
    """Search without a token is 401 problem+json; health stays open."""
    answer = client.get("/api/v1/search")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/health").status_code == 200


def test_ingested_event_is_searchable_as_sent(client: TestClient) -> None:
    """A posted event comes back from search as the same ECS document (plus its id)."""
    when = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=250_000)
    sent = event(**{"event.id": "e-1", "@timestamp": when.isoformat().replace("+00:00", "Z")})
    answer = client.post("/api/v1/events", json=[sent], headers=AUTH).json()
    assert answer == {
        "accepted": 1,
        "rejected": 0,
        "errors": False,
        "items": [{"index": 0, "status": "accepted", "id": "e-1"}],
    }
    hits = wait_for(client, "order.id:ORD-1", 1)["hits"]
    stored = when.isoformat().replace("+00:00", "Z")
    assert hits == [{**sent, "@timestamp": stored, "log.level": "INFO"}]


def test_one_bad_event_never_sinks_the_request(client: TestClient) -> None:
    """Every kind of bad item is rejected by name; the good ones in the same body are stored."""
    body = b"\n".join(
        [
            json.dumps(event(**{"order.id": "GOOD-1"})).encode(),
            b"this is not json",
            b"42",
            json.dumps(event(**{"event.action": "order.teleported"})).encode(),
            json.dumps(event(**{"order.id": 7})).encode(),
            json.dumps(event(**{"order.operator": None})).encode(),
            json.dumps(event(**{"message": "x" * (10 << 20)})).encode(),
            b'{"event.action": "order.assigned", "message": "\xff\xfe"}',
            b"[" * 10_000 + b"]" * 10_000,
            json.dumps(event(**{"@timestamp": "2099-01-01T00:00:00Z"})).encode(),
            json.dumps(event(**{"@timestamp": "2026-11-26T10:00:00"})).encode(),
            json.dumps(event(**{"order.id": "FIRST"})).encode()[:-1] + b', "order.id": "GOOD-2"}',
        ]
    )
    answer = client.post(
        "/api/v1/events", content=body, headers={**AUTH, "Content-Type": "application/x-ndjson"}
    ).json()
    codes = [item.get("code", item["status"]) for item in answer["items"]]
    assert codes == [
        "accepted",
        "invalid_json",
        "not_an_object",
        "unknown_event",
        "invalid_field",
        "invalid_field",
        "too_large",
        "invalid_utf8",
        "too_deep",
        "future_timestamp",
        "invalid_field",
        "accepted",
    ]
    assert answer["items"][4]["path"] == "$.order.id"
    assert "order.operator" in answer["items"][5]["reason"]
    # duplicate keys: the last value wins ("FIRST" was overridden by "GOOD-2")
    assert sorted(h["order.id"] for h in wait_for(client, "order.id:GOOD*", 2)["hits"]) == [
        "GOOD-1",
        "GOOD-2",
    ]
    letters = client.get("/api/v1/dlq", params={"limit": 100}, headers=AUTH).json()
    assert len(letters["dead_letters"]) == 10
    assert client.get("/api/v1/health").json()["status"] == "ok"


def test_array_with_bad_elements_keeps_the_good_ones(client: TestClient) -> None:
    """In a JSON array, a broken element and a 10,000-deep one are rejected alone."""
    good = json.dumps(event(**{"order.id": "ARRAY-OK"})).encode()
    body = b"[" + good + b', {"broken": ], ' + b"[" * 10_000 + b"]" * 10_000 + b"]"
    answer = client.post("/api/v1/events", content=body, headers=AUTH).json()
    codes = [item.get("code", item["status"]) for item in answer["items"]]
    assert codes == ["accepted", "invalid_json", "too_deep"]
    assert wait_for(client, "order.id:ARRAY-OK", 1)["total"] == 1


@pytest.mark.parametrize(
    ("body", "code"), [(b"", "empty_body"), (b'[{"a": 1}, {"b": 2}', "invalid_json")]
)
def test_bodies_that_cannot_be_split_are_400(client: TestClient, body: bytes, code: str) -> None:
    """An empty body or a broken JSON array is a 400 problem naming what is wrong."""
    answer = client.post("/api/v1/events", content=body, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["code"] == code


def test_resent_event_is_stored_once(client: TestClient) -> None:
    """Posting the same event id twice (a producer retry) stores it once."""
    sent = event(**{"event.id": "dup-1", "order.id": "DUP"})
    client.post("/api/v1/events", json=[sent], headers=AUTH)
    client.post("/api/v1/events", json=[sent], headers=AUTH)
    wait_for(client, "order.id:DUP", 2, timeout=2)
    assert wait_for(client, "order.id:DUP", 1)["total"] == 1


def test_kql_syntax_error_says_where(client: TestClient) -> None:
    """A broken query is a 400 whose detail and position point at the problem."""
    answer = client.get("/api/v1/search", params={"q": "service.name:"}, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["position"] == 13


def test_aggregate_counts_by_level(client: TestClient) -> None:
    """Terms aggregation over log.level counts what was stored."""
    client.post(
        "/api/v1/events",
        json=[event(), event(**{"log.level": "warning"}), event(**{"log.level": "WARN"})],
        headers=AUTH,
    )
    wait_for(client, "", 3)
    answer = client.post(
        "/api/v1/aggregate",
        json={"aggs": {"levels": {"terms": {"field": "log.level"}}}},
        headers=AUTH,
    ).json()
    buckets = {b["key"]: b["doc_count"] for b in answer["aggregations"]["levels"]["buckets"]}
    assert buckets == {"WARN": 2, "INFO": 1}


def test_metrics_count_received_and_rejected(client: TestClient) -> None:
    """/metrics exposes received, stored and rejected counters by system and reason."""
    bad_mes = json.dumps(event(**{"order.operator": None})).encode()
    body = b'{"x": 1}\n' + bad_mes + b"\n" + json.dumps(event()).encode()
    client.post("/api/v1/events", content=body, headers=AUTH)
    wait_for(client, "", 1)
    text = client.get("/metrics").text
    assert 'logyard_events_received_total{system="mes"} 2.0' in text
    assert 'logyard_events_received_total{system="unknown"} 1.0' in text
    assert 'logyard_events_rejected_total{reason="missing_field",system="unknown"} 1.0' in text
    assert 'logyard_events_rejected_total{reason="invalid_field",system="mes"} 1.0' in text
    assert 'logyard_events_stored_total{system="mes"} 1.0' in text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/search", {"from": "99999999999999999999"}),
        ("/api/v1/search", {"from": "now-99999999999999w"}),
        ("/api/v1/search", {"q": "(" * 3000 + "a" + ")" * 3000}),
        ("/api/v1/search", {"q": "not " * 3000 + "a"}),
    ],
)
def test_hostile_search_parameters_are_400(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    """Out-of-range times and absurdly nested queries are a 400 problem, never a 500."""
    answer = client.get(path, params=params, headers=AUTH)
    assert (answer.status_code, answer.headers["content-type"]) == (
        400,
        "application/problem+json",
    )


def test_deeply_nested_aggregate_body_is_400(client: TestClient) -> None:
    """A 10,000-deep aggregate request is refused with a reason, not a crash."""
    body = b'{"aggs": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001
    answer = client.post("/api/v1/aggregate", content=body, headers=AUTH)
    assert answer.status_code == 400
    assert "nested too deeply" in answer.json()["detail"]


def test_openapi_docs_are_served_without_a_cdn(client: TestClient) -> None:
    """/docs works offline: its page loads Swagger UI from logyard itself, and the OpenAPI
    document lists the ingest and search endpoints."""
    page = client.get("/docs").text
    assert "cdn." not in page
    assert "https://" not in page.split("<body>")[0]
    script = page.split('src="', 1)[1].split('"', 1)[0]
    assert client.get(script).status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/events", "/api/v1/search", "/api/v1/aggregate"} <= set(paths)


def test_dead_letters_replay_after_a_fix(client: TestClient) -> None:
    """Replay validates dead letters again: one that passes now (as after a catalogue fix)
    is ingested once and leaves the table; one that still fails stays with its reason."""
    from logyard.store import DeadLetter, WriteBatch

    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    fixed = json.dumps(event(**{"order.id": "REPLAYED"})).encode()
    letters = [
        DeadLetter("dl-1", now, "test", "unknown_event", "was unknown then", fixed),
        DeadLetter("dl-2", now, "test", "unknown_event", "still unknown", b'{"x": 1}'),
    ]
    runtime.store.write(WriteBatch(dead_letters=letters))
    answers = [
        client.post("/api/v1/dlq/replay", json={"reason": "unknown_event"}, headers=AUTH).json()
        for _ in range(2)  # a second replay finds nothing more to replay
    ]
    assert [a["replayed"] for a in answers] == [1, 0]
    assert [f["id"] for f in answers[1]["still_failing"]] == ["dl-2"]
    assert wait_for(client, "order.id:REPLAYED", 1)["total"] == 1
    left = client.get("/api/v1/dlq", headers=AUTH).json()["dead_letters"]
    assert [d["id"] for d in left] == ["dl-2"]
