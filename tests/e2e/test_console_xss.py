"""HTML and JavaScript in event fields, shown by the web console in Debian's Chromium: the
console renders them as text, never as markup (issue 4, item 6: no XSS).

logyard's own API server (``logyard.api.create_app``) runs in a thread on a free loopback
port; the hostile events go in through ``POST /api/v1/events`` like any service's. Any
``alert``/``confirm``/``prompt`` the payloads manage to run opens a dialog, which the test
records and fails on.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright
from tests.e2e._serve import serve

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_TOKEN = "e2e-xss-admin-token"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
TIMEOUT_MS = 10_000

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
SVG = '"><svg onload=alert(3)>'
IFRAME = '<iframe srcdoc="<script>parent.alert(4)</script>"></iframe>'
LINK = "<a href=javascript:alert(5)>click</a>"
ATTR = "' onmouseover='alert(6)' x='"
STYLE = "<style>*{display:none}</style><details open ontoggle=alert(7)>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, httpx.Client]]:
    """logyard's API and console on a free loopback port: its URL and an admin client."""
    from logyard.api import create_app

    app = create_app(tmp_path_factory.mktemp("xss-data"), admin_token=ADMIN_TOKEN)
    with serve(app, ADMIN_TOKEN) as client:
        yield str(client.base_url).rstrip("/"), client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright; a missing browser fails under CI, else skips."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, server: tuple[str, httpx.Client]) -> Iterator[tuple[Page, list[str]]]:
    """A signed-in console tab at 1280×800 and the list of dialogs anything opened in it."""
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    answer = context.request.post(f"{url}/api/v1/session", data={"token": ADMIN_TOKEN})
    assert answer.status == 204, answer.text()
    try:
        yield tab, dialogs
    finally:
        context.close()


def _ago(seconds: float) -> str:
    moment = datetime.now(UTC) - timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _hostile_events(tag: str) -> list[dict[str, Any]]:
    """One event per console rendering path, every shown field holding a payload: the message
    column from ``message``, from ``error.*``, from ``http.route`` and from a dict field."""
    labels = {"note": STYLE, IMG: SCRIPT}
    return [
        {
            "@timestamp": _ago(10),
            "event.action": "log.record",
            "service.name": "mes",
            "host.name": tag,
            "user.name": SVG,
            "user.id": ATTR,
            "message": f"{IMG} {SCRIPT} {IFRAME}",
            "log.logger": LINK,
            "labels": labels,
        },
        {
            "@timestamp": _ago(20),
            "event.action": "error",
            "service.name": "crm",
            "host.name": tag,
            "user.name": IMG,
            "error.type": SCRIPT,
            "error.message": SVG,
            "error.stack_trace": IFRAME,
            "labels": labels,
        },
        {
            "@timestamp": _ago(30),
            "event.action": "api.request",
            "service.name": "crm-api",
            "host.name": tag,
            "user.name": LINK,
            "http.request.method": "GET",
            "http.route": f"/orders/{IMG}{SVG}",
            "http.response.status_code": 200,
            "http.duration_ms": 3,
            "labels": labels,
        },
        {
            "@timestamp": _ago(40),
            "event.action": "order.created",
            "service.name": "crm",
            "host.name": tag,
            "user.name": SCRIPT,
            "order.id": "ORD-XSS-1",
            "order.params": {IMG: SVG, "comment": STYLE, "nested": [SCRIPT, {"a": LINK}]},
            "labels": labels,
        },
    ]


def _without(doc: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in keys}


def _compact(value: Any) -> str:
    """``value`` as the console's ``JSON.stringify`` writes it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_html_and_script_in_every_shown_field_render_as_text(
    page: tuple[Page, list[str]], server: tuple[str, httpx.Client]
) -> None:
    """Payloads (``<img onerror>``, ``<script>``, ``"><svg onload>``, ``<iframe srcdoc>``,
    ``javascript:`` links, attribute breakouts) in message, user.name, service-specific
    fields (error.*, http.route, order.params, log.logger) and labels: no dialog opens, the
    table cells hold the literal text, each expanded row's JSON view is the stored event
    verbatim, and no element from the payloads exists in the page."""
    tab, dialogs = page
    url, client = server
    tag = f"xss{uuid.uuid4().hex[:10]}"
    sent = _hostile_events(tag)
    answer = client.post("/api/v1/events", json=sent)
    assert answer.json()["accepted"] == 4, answer.text
    deadline = time.monotonic() + 10
    while (result := client.get("/api/v1/search", params={"q": f"host.name:{tag}"}).json())[
        "total"
    ] < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    stored = result["hits"]
    # stored as sent (newest first), so the browser really gets the payloads
    assert [_without(hit, "event.id", "log.level", "@timestamp") for hit in stored] == [
        _without(event, "@timestamp") for event in sent
    ]

    tab.goto(f"{url}/#{httpx.QueryParams({'q': f'host.name:{tag}', 'range': '15m'})}")
    expect(tab.locator("#total")).to_have_text("4")
    rows = tab.locator("#rows tr.event-row")
    expect(rows).to_have_count(4)

    assert rows.locator(".col-user").all_text_contents() == [SVG, IMG, LINK, SCRIPT]
    assert rows.locator(".col-message").all_text_contents() == [
        f"{IMG} {SCRIPT} {IFRAME}",
        f"{SCRIPT}: {SVG}",
        f"GET /orders/{IMG}{SVG} → 200 in 3 ms",
        f"order.id=ORD-XSS-1  order.params={_compact(stored[3]['order.params'])}",
    ]

    for toggle in tab.get_by_role("button", name=re.compile("^Show details of")).all():
        toggle.click()
    views = tab.locator("#rows .event-json")
    expect(views).to_have_count(4)
    for view in views.all():
        expect(view).to_be_visible()
    assert [json.loads(text) for text in views.all_inner_texts()] == stored
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "console-xss.png"), full_page=True)

    tab.get_by_label("KQL query").fill(f"user.name:{IMG}")  # echoed back in the error
    tab.get_by_label("KQL query").press("Enter")
    expect(tab.locator("#error")).to_contain_text(f"user.name:{IMG}")

    # Payload elements: none parsed (the expand buttons' own icons are the only svg).
    injected = "#rows img, #rows script, #rows iframe, #rows a, #rows style, #rows details"
    assert tab.locator(injected).count() == 0
    assert tab.locator("svg[onload], [onerror], [onmouseover], [ontoggle]").count() == 0
    assert tab.locator("#error img, #error script").count() == 0
    assert dialogs == []
    assert client.get("/api/v1/health").json()["status"] == "ok"
