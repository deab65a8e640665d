"""The role model on every route: role × route gives exactly the expected answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from logyard.api import create_app
from logyard.security.access import AccessBook

ADMIN = "roles-admin-token"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    data = tmp_path_factory.mktemp("roles")
    app = create_app(data, admin_token=ADMIN)
    with TestClient(app) as client:
        book = AccessBook(data)
        book.add_user("sam", "Support_Logs", "correct horse battery")
        book.add_user("aud", "auditor", "correct horse battery")
        tokens = {
            "admin": ADMIN,
            "Support_Logs": book.create_token(name="t", role="Support_Logs", user="sam"),
            "auditor": book.create_token(name="t", role="auditor", user="aud"),
            "ingest": book.create_token(name="p", role="ingest"),
            "service:mes": book.create_token(name="mes", role="ingest", service="mes"),
        }
        yield client, tokens


def event(service: str = "mes") -> dict[str, Any]:
    return {
        "@timestamp": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
        "event.action": "service.started",
        "service.name": service,
    }


ROUTES: dict[str, tuple[str, str, Any]] = {
    "search": ("GET", "/api/v1/search", None),
    "aggregate": (
        "POST",
        "/api/v1/aggregate",
        {"aggs": {"n": {"cardinality": {"field": "event.id"}}}},
    ),
    "catalog": ("GET", "/api/v1/catalog", None),
    "dlq.read": ("GET", "/api/v1/dlq", None),
    "dlq.replay": ("POST", "/api/v1/dlq/replay", {"reason": "nothing"}),
    "ingest": ("POST", "/api/v1/events", [event()]),
    "decrypt": ("GET", "/api/v1/events/nothing/originals", None),
    "audit": ("GET", "/api/v1/audit", None),
}

EXPECTED = {  # role -> routes answered 200 (all others 403)
    "admin": {"search", "aggregate", "catalog", "dlq.read", "dlq.replay", "ingest", "audit"},
    "auditor": {"search", "aggregate", "catalog", "dlq.read", "decrypt"},
    "Support_Logs": {"search", "aggregate", "catalog"},
    "ingest": {"ingest"},
    "service:mes": {"ingest"},
}  # fmt: skip


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_role_route_matrix(world: tuple[TestClient, dict[str, str]], role: str, route: str) -> None:
    """Each role reaches exactly its routes; the others answer 403 problem details."""
    client, tokens = world
    method, path, body = ROUTES[route]
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    answer = client.request(method, path, headers=headers, json=body)
    expected = 200 if route in EXPECTED[role] else 403
    assert answer.status_code == expected, answer.text


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_no_token_is_401_everywhere(world: tuple[TestClient, dict[str, str]], route: str) -> None:
    """Without credentials every data route is 401."""
    client, _ = world
    method, path, body = ROUTES[route]
    assert client.request(method, path, json=body).status_code == 401


def test_service_token_writes_only_its_own_service(
    world: tuple[TestClient, dict[str, str]],
) -> None:
    """A service's ingest token may not write another service's events (rejected by name)."""
    client, tokens = world
    answer = client.post(
        "/api/v1/events",
        json=[event("mes"), event("crm")],
        headers={"Authorization": f"Bearer {tokens['service:mes']}"},
    ).json()
    assert [i.get("code", i["status"]) for i in answer["items"]] == [
        "accepted",
        "wrong_service_token",
    ]


def test_password_sign_in_gives_the_users_role(world: tuple[TestClient, dict[str, str]]) -> None:
    """The console signs in with name and password; the session has the user's role
    (Support_Logs may search but not read dead letters); a wrong password is 401."""
    client, _ = world
    bad = client.post("/api/v1/session", json={"username": "sam", "password": "wrong password!"})
    assert bad.status_code == 401
    good = client.post(
        "/api/v1/session", json={"username": "sam", "password": "correct horse battery"}
    )
    assert good.status_code == 204
    assert client.get("/api/v1/search").status_code == 200
    assert client.get("/api/v1/dlq").status_code == 403
    client.delete("/api/v1/session")
    assert client.get("/api/v1/search").status_code == 401


def test_users_file_never_holds_a_password_or_token(
    world: tuple[TestClient, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """users.json keeps scrypt hashes and token digests only, and is readable by its owner only."""
    _, tokens = world
    path = next(Path(tmp_path_factory.getbasetemp()).glob("roles*/users.json"))
    text = path.read_text()
    assert "correct horse battery" not in text
    assert all(token not in text for token in tokens.values())
    assert json.loads(text)["users"]["sam"]["password"].startswith("scrypt$")
    assert path.stat().st_mode & 0o777 == 0o600
