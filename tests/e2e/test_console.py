"""The web console, driven in Debian's Chromium against logyard's real API server.

The server is logyard's own FastAPI app (``logyard.api.create_app``) on a free loopback port,
run by uvicorn in a thread. Data goes in through ``POST /api/v1/events``, as services send it.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from tests.e2e._browser import ARTIFACTS, BrowserTab, launch_chromium
from tests.e2e._serve import serve

pytestmark = pytest.mark.browser

ADMIN_TOKEN = "e2e-console-admin-token"
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Server:
    url: str
    client: httpx.Client
    data_dir: Path | None = None

    def ingest(self, events: list[dict[str, Any]]) -> None:
        answer = self.client.post("/api/v1/events", json=events)
        answer.raise_for_status()
        assert answer.json()["accepted"] == len(events), answer.text

    def search(self, query: str) -> dict[str, Any]:
        answer = self.client.get("/api/v1/search", params={"q": query, "size": 1000})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result

    def wait_searchable(self, query: str, count: int, timeout_secs: float = 10.0) -> dict[str, Any]:
        """Poll the search until ``query`` finds ``count`` events (ingest is near-real-time)."""
        deadline = time.monotonic() + timeout_secs
        while True:
            result = self.search(query)
            if result["total"] >= count or time.monotonic() > deadline:
                assert result["total"] == count, f"{query!r}: {result['total']} hits, not {count}"
                return result
            time.sleep(0.1)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _ago(**delta: float) -> str:
    return _iso(datetime.now(UTC) - timedelta(**delta))


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """logyard's API and console on a free loopback port, with a fresh data dir."""
    from logyard.api import create_app

    data_dir = tmp_path_factory.mktemp("console-data")
    app = create_app(data_dir, admin_token=ADMIN_TOKEN)
    with serve(app, ADMIN_TOKEN) as client:
        yield Server(str(client.base_url).rstrip("/"), client, data_dir)


@pytest.fixture(scope="module")  # one sync Playwright at a time: other modules start their own
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright; a missing browser fails under CI, else skips."""
    yield from launch_chromium()


class ConsolePage(BrowserTab):
    """A browser tab on the console, recording the page's console errors."""

    def __init__(self, page: Page, server: Server) -> None:
        super().__init__(page, server.url, timeout_ms=TIMEOUT_MS)
        self.server = server

    def open(self, query: str = "", time_range: str = "15m") -> None:
        fragment = httpx.QueryParams({"q": query, "range": time_range})
        self.page.goto(f"{self.server.url}/#{fragment}")

    def sign_in_by_cookie(self) -> None:
        self.sign_in({"token": ADMIN_TOKEN})

    def search(self, query: str) -> None:
        self.page.get_by_label("KQL query").fill(query)
        self.page.get_by_label("KQL query").press("Enter")

    def wait_total(self, total: int) -> None:
        expect(self.page.locator("#total")).to_have_text(f"{total:,}")


@pytest.fixture
def console(browser: Browser, server: Server) -> Iterator[ConsolePage]:
    """A fresh browser context (no cookies) at 1280×800."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield ConsolePage(context.new_page(), server)
    finally:
        context.close()


@pytest.fixture
def signed_in(console: ConsolePage) -> ConsolePage:
    """A console tab whose context already holds a session cookie."""
    console.sign_in_by_cookie()
    return console


@pytest.fixture
def tag() -> str:
    """A value unique to the test, to keep its events apart from the other tests'."""
    return f"e2e{uuid.uuid4().hex[:10]}"


def _assigned(tag: str, n: int, *, user: str, seconds_ago: float) -> dict[str, Any]:
    return {
        "@timestamp": _ago(seconds=seconds_ago),
        "event.action": "order.assigned",
        "service.name": "mes",
        "user.name": user,
        "order.id": f"ORD-{tag}-{n}",
        "order.operator": "petrov",
        "message": f"order ORD-{tag}-{n} assigned to petrov",
        "host.name": tag,
    }


def _error(tag: str, *, system: str, seconds_ago: float, level: str = "ERROR") -> dict[str, Any]:
    return {
        "@timestamp": _ago(seconds=seconds_ago),
        "event.action": "error",
        "log.level": level,
        "service.name": system,
        "error.type": "DbError",
        "error.message": f"connection lost {tag}",
        "host.name": tag,
    }


def _visible_rows(page: Page) -> Locator:
    return page.locator("#rows tr.event-row")


# ---------------------------------------------------------------------------- tests


def test_sign_in_form_opens_the_console(console: ConsolePage) -> None:
    """Without a session the console shows the sign-in form; the admin token opens Discover."""
    page = console.page
    console.open()
    expect(page.get_by_role("heading", name="Sign in to logyard")).to_be_visible()
    expect(page.get_by_label("KQL query")).to_be_hidden()

    page.get_by_label("API token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_label("KQL query")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name="Sign in to logyard")).to_be_hidden()
    console.assert_no_console_errors(401)


def test_password_sign_in_opens_the_console(console: ConsolePage, server: Server) -> None:
    """A user made with the role model signs in with name and password; a wrong password
    is refused with a message."""
    from logyard.security.access import AccessBook

    assert server.data_dir is not None
    AccessBook(server.data_dir).add_user("sam", "Support_Logs", "correct horse battery")
    page = console.page
    console.open()
    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_have_text("Wrong user name or password.")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("KQL query")).to_be_visible()
    console.assert_no_console_errors(401)


def test_wrong_token_is_refused_with_a_message(console: ConsolePage) -> None:
    """A token the server does not know keeps the sign-in form up and says so."""
    page = console.page
    console.open()
    page.get_by_label("API token").fill("not-the-token")
    page.get_by_label("API token").press("Enter")

    expect(page.locator("#sign-in-error")).to_have_text(
        "That token was not accepted; check it and try again."
    )
    expect(page.get_by_label("KQL query")).to_be_hidden()
    console.assert_no_console_errors(401)


def test_kql_search_shows_matching_rows_and_total(signed_in: ConsolePage, tag: str) -> None:
    """A KQL query typed in the search bar (Enter) lists exactly its events, newest first,
    with the total, and the URL hash keeps the query so the link can be shared."""
    server, page = signed_in.server, signed_in.page
    user = f"u{tag}"
    server.ingest(
        [_assigned(tag, n, user=user, seconds_ago=30 + n) for n in range(3)]
        + [_assigned(tag, 9, user="ivanova", seconds_ago=20)]
    )
    server.wait_searchable(f"user.name:{user}", 3)

    signed_in.open()
    signed_in.search(f"user.name:{user} and event.action:order.assigned")

    signed_in.wait_total(3)
    rows = _visible_rows(page)
    assert rows.locator(".col-message").all_inner_texts() == [
        f"order ORD-{tag}-{n} assigned to petrov" for n in range(3)
    ]
    assert rows.locator(".col-user").all_inner_texts() == [user] * 3
    assert rows.locator(".col-system").all_inner_texts() == ["mes"] * 3
    assert rows.locator(".col-level").all_inner_texts() == ["INFO"] * 3
    assert "q=user.name%3A" in page.url
    assert "range=15m" in page.url
    signed_in.assert_no_console_errors()


def test_shared_link_restores_query_and_range(signed_in: ConsolePage, tag: str) -> None:
    """Opening a link with ``#q=...&range=24h`` fills the search bar and range and runs it."""
    signed_in.server.ingest([_error(tag, system="crm", seconds_ago=3 * 3600)])
    signed_in.server.wait_searchable(f"host.name:{tag}", 1)

    signed_in.open(f"host.name:{tag} and error.type:DbError", "24h")

    signed_in.wait_total(1)
    expect(signed_in.page.get_by_label("KQL query")).to_have_value(
        f"host.name:{tag} and error.type:DbError"
    )
    expect(signed_in.page.get_by_label("Time range")).to_have_value("24h")
    signed_in.assert_no_console_errors()


def test_kql_syntax_error_is_shown_with_its_column(signed_in: ConsolePage) -> None:
    """A query the KQL parser refuses shows the API's message, naming the column, and a caret."""
    page = signed_in.page
    signed_in.open()
    expect(page.get_by_label("KQL query")).to_be_visible()

    signed_in.search("service.name:")

    alert = page.locator("#error")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("KQL:")
    expect(alert).to_contain_text(re.compile(r"column \d+"))
    expect(page.get_by_label("KQL query")).to_have_attribute("aria-invalid", "true")
    signed_in.assert_no_console_errors(400)


def test_expanding_a_row_shows_the_event_json(signed_in: ConsolePage, tag: str) -> None:
    """The row's expand button reveals the stored event, pretty-printed, with a copy button."""
    server, page = signed_in.server, signed_in.page
    server.ingest([_error(tag, system="crm", seconds_ago=5)])
    [stored] = server.wait_searchable(f"host.name:{tag}", 1)["hits"]

    signed_in.open(f"host.name:{tag}")
    signed_in.wait_total(1)
    expect(_visible_rows(page).locator(".col-level")).to_have_text(["ERROR"])
    toggle = page.get_by_role("button", name=re.compile("^Show details of error"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    shown = page.locator("#rows .event-json")
    expect(shown).to_be_visible()
    assert json.loads(shown.inner_text()) == stored
    assert shown.inner_text() == json.dumps(stored, indent=2, ensure_ascii=False)
    expect(page.get_by_role("button", name="Copy JSON")).to_be_visible()
    signed_in.assert_no_console_errors()


def test_histogram_draws_bars_coloured_by_level(signed_in: ConsolePage, tag: str) -> None:
    """The hits-over-time chart draws a bar segment per level present, in the level's colour."""
    page = signed_in.page
    signed_in.server.ingest(
        [_assigned(tag, n, user=f"h{tag}", seconds_ago=60 + 40 * n) for n in range(4)]
        + [_error(tag, system="mes", seconds_ago=200)]
        + [_error(tag, system="mes", seconds_ago=400, level="FATAL")]
    )
    signed_in.server.wait_searchable(f"host.name:{tag}", 6)

    signed_in.open(f"host.name:{tag}")
    signed_in.wait_total(6)

    bars = page.locator("#histogram rect.bar")
    bars.first.wait_for()
    levels = {bar.get_attribute("data-level") for bar in bars.all()}
    assert levels == {"INFO", "ERROR", "FATAL"}
    assert (
        page.locator('#histogram rect.bar[data-level="ERROR"]').first.get_attribute("fill")
        == "#e7664c"
    )
    signed_in.assert_no_console_errors()


def test_live_tail_prepends_an_event_sent_after_it_was_turned_on(
    signed_in: ConsolePage, tag: str
) -> None:
    """With live tail on, an event ingested afterwards appears on top, once; the total grows."""
    server, page = signed_in.server, signed_in.page
    user = f"t{tag}"
    server.ingest([_assigned(tag, 1, user=user, seconds_ago=10)])
    server.wait_searchable(f"user.name:{user}", 1)
    signed_in.open(f"user.name:{user}")
    signed_in.wait_total(1)

    tail = page.get_by_role("button", name="Live tail")
    tail.click()
    expect(tail).to_have_attribute("aria-pressed", "true")
    server.ingest([_assigned(tag, 2, user=user, seconds_ago=0)])

    signed_in.wait_total(2)
    page.wait_for_timeout(2500)  # a few more polls: the new event must not be added twice
    assert _visible_rows(page).locator(".col-message").all_inner_texts() == [
        f"order ORD-{tag}-2 assigned to petrov",
        f"order ORD-{tag}-1 assigned to petrov",
    ]
    signed_in.wait_total(2)
    tail.click()
    expect(tail).to_have_attribute("aria-pressed", "false")
    signed_in.assert_no_console_errors()


def test_empty_result_shows_example_queries(signed_in: ConsolePage, tag: str) -> None:
    """A query with no hits shows help with example queries; clicking one runs it."""
    page = signed_in.page
    signed_in.open(f"user.name:nobody{tag}")
    signed_in.wait_total(0)
    expect(page.get_by_role("heading", name="No events match")).to_be_visible()

    page.get_by_role("button", name="service.name:crm and event.action:error").click()
    expect(page.get_by_label("KQL query")).to_have_value("service.name:crm and event.action:error")
    assert "q=service.name%3Acrm+and+event.action%3Aerror" in page.url
    signed_in.assert_no_console_errors()


def test_screenshot_of_a_busy_console(signed_in: ConsolePage, tag: str) -> None:
    """A full-page screenshot of Discover over a realistic mix of events is saved to
    ``artifacts/console.png`` (for people to look at; the test proves the page renders it)."""
    systems = ["internet-shop", "shop-api", "crm", "crm-api", "mes", "mes-api"]
    users = ["ivanova", "petrov", "sidorov", "kuznetsova", "smirnov"]
    events: list[dict[str, Any]] = []
    for n in range(240):
        seconds_ago = 5 + (n * 7919) % 840
        if n % 11 == 0:
            events.append(_error(tag, system=systems[n % 6], seconds_ago=seconds_ago))
        elif n % 37 == 0:
            events.append(_error(tag, system="mes", seconds_ago=seconds_ago, level="FATAL"))
        elif n % 7 == 0:
            events.append(
                {
                    "@timestamp": _ago(seconds=seconds_ago),
                    "event.action": "warning",
                    "log.level": "WARN",
                    "service.name": "mes-api",
                    "warning.condition": "slow order list",
                    "warning.threshold": 500.0,
                    "warning.value": 812.0,
                    "host.name": tag,
                }
            )
        else:
            events.append(_assigned(tag, n, user=users[n % 5], seconds_ago=seconds_ago))
    signed_in.server.ingest(events)
    signed_in.server.wait_searchable(f"host.name:{tag}", len(events))

    page = signed_in.page
    signed_in.open(f"host.name:{tag}")
    signed_in.wait_total(len(events))
    page.locator("#histogram rect.bar").first.wait_for()
    page.locator("#rows .event-row .expand").nth(1).click()
    expect(page.locator("#rows .event-json").nth(1)).to_be_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "console.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    signed_in.assert_no_console_errors()
