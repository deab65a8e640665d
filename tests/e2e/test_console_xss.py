"""HTML and JavaScript in event fields, shown by the web console in Debian's Chromium: the
console renders them as text, never as markup (issue 4, item 6: no XSS).

logyard's own API server (``logyard.api.create_app``) runs in a thread on a free loopback
port; the hostile events go in through ``POST /api/v1/events`` like any service's. Any
``alert``/``confirm``/``prompt`` the payloads manage to run opens a dialog, which the test
records and fails on.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from tests.e2e._browser import ARTIFACTS, BrowserTab, launch_chromium
from tests.e2e._serve import serve

pytestmark = pytest.mark.browser

ADMIN_TOKEN = "e2e-xss-admin-token"
TIMEOUT_MS = 10_000

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
SVG = '"><svg onload=alert(3)>'
IFRAME = '<iframe srcdoc="<script>parent.alert(4)</script>"></iframe>'
LINK = "<a href=javascript:alert(5)>click</a>"
ATTR = "' onmouseover='alert(6)' x='"
STYLE = "<style>*{display:none}</style><details open ontoggle=alert(7)>"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served app's data dir (the alerts test writes its alert state there)."""
    return tmp_path_factory.mktemp("xss-data")


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[tuple[str, httpx.Client]]:
    """logyard's API and console on a free loopback port: its URL and an admin client.
    Alerting inside the app is off: the pages test runs one cycle itself."""
    from logyard.api import create_app

    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOGYARD_ALERT_RULES", "off")
        app = create_app(data_dir, admin_token=ADMIN_TOKEN)
        with serve(app, ADMIN_TOKEN) as client:
            env.delenv("LOGYARD_ALERT_RULES")
            yield str(client.base_url).rstrip("/"), client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright; a missing browser fails under CI, else skips."""
    yield from launch_chromium()


@pytest.fixture
def page(browser: Browser, server: tuple[str, httpx.Client]) -> Iterator[tuple[Page, list[str]]]:
    """A signed-in console tab at 1280×800 and the list of dialogs anything opened in it."""
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = BrowserTab(context.new_page(), url, timeout_ms=TIMEOUT_MS)
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.page.on("dialog", on_dialog)
    tab.sign_in({"token": ADMIN_TOKEN})
    try:
        yield tab.page, dialogs
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


# ------------------------------------------------------------------ the pages (issue 6, item 4)

HOSTILE_ORDER = f"ORD-{IMG}{SVG}"
INJECTED = "main img, main script, main iframe, main style, main details, main object"
OWN_LINKS = ("card-link", "event-link")  # the pages' own links: in-console hashes only
HANDLERS = "[onerror], [onload], [onmouseover], [ontoggle], [onfocus], [onclick]"


def _page_rules(tag: str) -> dict[str, Any]:
    """Rules over this test's events: every FATAL, new error signatures, and a threshold
    grouped by user name (so payloads become alert groups)."""
    # every second: the window ends at the cycle's whole second, after the events
    every = {"window": "10m", "every": "1s", "late_secs": 0}
    return {
        "rules": [
            {"name": "fatal", "type": "fatal", "query": f"host.name:{tag} and log.level:FATAL",
             **every},
            {"name": "new-error", "type": "new_signature",
             "query": f"host.name:{tag} and event.action:error", **every},
            {"name": "by-user", "type": "threshold", "group_by": "user.name", "above": 0,
             "query": f"host.name:{tag} and event.action:(order.created or api.request)",
             **every},
        ]
    }  # fmt: skip


def _hostile_page_events(tag: str) -> list[dict[str, Any]]:
    """An order (id, user, parameters: payloads) with an API call in its trace, a FATAL and
    an ERROR whose texts are payloads (alert summaries, groups), feedback and a deploy."""
    trace = uuid.uuid4().hex
    return [
        {
            "@timestamp": _ago(50),
            "event.action": "order.created",
            "service.name": "internet-shop",
            "host.name": tag,
            "user.name": SVG,
            "trace.id": trace,
            "order.id": HOSTILE_ORDER,
            "order.params": {IMG: SCRIPT, "comment": STYLE},
            "message": f"order {HOSTILE_ORDER} {IFRAME}",
        },
        {
            "@timestamp": _ago(49),
            "event.action": "api.request",
            "service.name": "shop-api",
            "host.name": tag,
            "user.name": LINK,
            "trace.id": trace,
            "http.request.method": "POST",
            "http.route": f"/orders/{IMG}",
            "http.response.status_code": 500,
            "http.duration_ms": 12,
        },
        {
            "@timestamp": _ago(48),
            "event.action": "service.failure",
            "log.level": "FATAL",
            "service.name": "mes",
            "host.name": tag,
            "failure.component": ATTR,
            "failure.kind": "hardware",
            "message": f"{IMG} {SCRIPT} {IFRAME}",
        },
        {
            "@timestamp": _ago(47),
            "event.action": "error",
            "service.name": "crm",
            "host.name": tag,
            "error.type": SCRIPT,
            "error.message": f"{SVG} {LINK}",
        },
        {
            "@timestamp": _ago(46),
            "event.action": "feedback.submitted",
            "service.name": "internet-shop",
            "host.name": tag,
            "user.name": IMG,
            "feedback.score": 2,
            "feedback.comment": STYLE,
        },
        {
            "@timestamp": _ago(45),
            "event.action": "deploy.finished",
            "service.name": "crm",
            "host.name": tag,
            "deploy.version": SCRIPT,
            "deploy.commit_time": _ago(3600),
        },
    ]


def test_html_and_script_in_event_fields_render_as_text_on_every_page(
    page: tuple[Page, list[str]], server: tuple[str, httpx.Client], data_dir: Path
) -> None:
    """The same payloads in an order id, user names, routes, messages, error texts, feedback
    and a deploy version, shown by the order journey (from a result row's order button), the
    overview, the business KPIs and the alerts page (summaries and groups of alerts raised
    from them): no dialog opens, the payloads are shown as literal text, and no element or
    event-handler attribute from them exists in any page."""
    from logyard.alerting import AlertService, AlertState, HttpQuerier, rules_from_dict
    from logyard.api.services.alerting import STATE_FILE

    tab, dialogs = page
    url, client = server
    tag = f"xss{uuid.uuid4().hex[:10]}"
    sent = _hostile_page_events(tag)
    answer = client.post("/api/v1/events", json=sent)
    assert answer.json()["accepted"] == len(sent), answer.text
    deadline = time.monotonic() + 10
    while (
        client.get("/api/v1/search", params={"q": f"host.name:{tag}"}).json()["total"] < len(sent)
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    service = AlertService(
        rules_from_dict(_page_rules(tag)),
        HttpQuerier(url, ADMIN_TOKEN),
        AlertState(data_dir / STATE_FILE),
    )
    try:
        report = service.run_cycle()
    finally:
        service.stop()
        service.state.close()
    assert report.errors == []

    def clean(where: str) -> None:
        assert tab.locator(INJECTED).count() == 0, where
        links = tab.locator("main a").all()
        assert all(link.get_attribute("class") in OWN_LINKS for link in links), where
        assert all((link.get_attribute("href") or "").startswith("#") for link in links), where
        assert tab.locator(HANDLERS).count() == 0, where
        assert dialogs == [], where

    # Search results: the order id is a button (text), which opens the journey.
    tab.goto(f"{url}/#{httpx.QueryParams({'q': f'host.name:{tag}', 'range': '15m'})}")
    expect(tab.locator("#total")).to_have_text(str(len(sent)))
    link = tab.locator("#rows .order-link")
    expect(link).to_have_text(HOSTILE_ORDER)
    clean("search")
    link.click()
    journey = tab.locator("#page-journey")
    expect(journey.locator(".journey-item")).to_have_count(2)
    expect(journey.locator(".journey-summary strong")).to_have_text(HOSTILE_ORDER)
    expect(tab.get_by_label("Order id")).to_have_value(HOSTILE_ORDER)
    assert journey.locator('[data-field="message"]').all_text_contents() == [
        f"order {HOSTILE_ORDER} {IFRAME}",
        f"POST /orders/{IMG} → 500 in 12 ms",
    ]
    clean("journey")

    tab.goto(f"{url}/#view=overview&range=15m")
    overview = tab.locator("#page-overview")
    expect(overview.locator(".system-card")).to_have_count(6)
    expect(overview).not_to_have_attribute("aria-busy", "true")
    clean("overview")

    tab.goto(f"{url}/#view=business&range=7d")
    business = tab.locator("#page-business")
    expect(business.locator(".kpi")).to_have_count(9)
    expect(business).not_to_have_attribute("aria-busy", "true")
    clean("business")

    tab.goto(f"{url}/#view=alerts")
    alerts = tab.locator("#page-alerts")
    expect(alerts.locator(".alert-row")).to_have_count(4)  # fatal, new-error, by-user × 2
    summaries = alerts.locator(".alert-row .alert-summary").all_text_contents()
    assert any(s.endswith(f": {IMG} {SCRIPT} {IFRAME}") for s in summaries), summaries
    assert any(SCRIPT in s and "new error in crm" in s for s in summaries), summaries
    groups = alerts.locator('.alert-row[data-rule="by-user"] .alert-group').all_text_contents()
    assert sorted(groups) == sorted([SVG, LINK])
    tab.screenshot(path=str(ARTIFACTS / "console-xss-alerts.png"), full_page=True)
    clean("alerts")
    assert client.get("/api/v1/health").json()["status"] == "ok"
