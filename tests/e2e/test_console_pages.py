"""The console's pages besides the search (issue 6, item 4), driven in Debian's Chromium:
the overview of the six systems, the business KPIs, the order journey and the alerts.

One logyard app (``logyard.api.create_app``) serves the whole module from a thread on a free
loopback port, with a hand-made set of events ingested through ``POST /api/v1/events``, so
every number a page shows is known in advance. The analytics branch runs inside the app
(the business page reads the metrics API); alerting is evaluated by the test itself, one
synchronous cycle of :class:`logyard.alerting.AlertService` over the app's store and state
file, so the alerts page has known alerts to show.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from tests.e2e._browser import ARTIFACTS, BrowserTab, launch_chromium
from tests.e2e._pages_data import RULES, business_events, journey_events, recent_events
from tests.e2e._serve import serve

pytestmark = pytest.mark.browser

ADMIN_TOKEN = "e2e-pages-admin-token"
SUPPORT = ("sam", "correct horse battery")
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 15_000
SYSTEMS = ["internet-shop", "shop-api", "crm", "crm-api", "mes", "mes-api"]


@dataclass(frozen=True)
class World:
    """The served app and what was put into it."""

    url: str
    client: httpx.Client
    data_dir: Path
    order: str  # the order whose journey is known
    other_order: str  # an order whose events must stay out of that journey
    journey: list[dict[str, Any]]  # the order's events (and its traces'), oldest first
    cohort_day: str  # the UTC day of the retention cohort (alice, bob, carol)


def _wait(what: str, check: Any, timeout_secs: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_secs
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The app with the module's events stored, analysed, and one alerting cycle run."""
    from logyard.alerting import AlertService, AlertState, rules_from_dict
    from logyard.api import create_app
    from logyard.api.services.alerting import STATE_FILE
    from logyard.security.access import AccessBook

    data_dir = tmp_path_factory.mktemp("pages-data")
    tag = uuid.uuid4().hex[:8].upper()
    order, other = f"ORD-{tag}1", f"ORD-{tag}2"
    now = datetime.now(UTC)
    # The day-based figures (DAU per day, retention cohorts) expect the last ten minutes'
    # events on today's UTC date: in the first 12 minutes of a day, wait that out.
    past_midnight = now - now.replace(hour=0, minute=0, second=0, microsecond=0)
    if past_midnight < timedelta(minutes=12):
        time.sleep((timedelta(minutes=12) - past_midnight).total_seconds())
        now = datetime.now(UTC)
    events = recent_events(order, other, now) + business_events(now)
    with pytest.MonkeyPatch.context() as env:
        # The test runs the alerting cycle itself, so the service inside the app stays off.
        env.setenv("LOGYARD_ALERT_RULES", "off")
        app = create_app(data_dir, admin_token=ADMIN_TOKEN)
        with serve(app, ADMIN_TOKEN) as client:
            env.delenv("LOGYARD_ALERT_RULES")
            AccessBook(data_dir).add_user(SUPPORT[0], "Support_Logs", SUPPORT[1])
            answer = client.post("/api/v1/events", json=events)
            assert answer.json()["accepted"] == len(events), answer.text
            _wait(
                "the events to be searchable",
                lambda: (
                    client.get("/api/v1/search", params={"q": "", "from": "now-3d"}).json()["total"]
                    == len(events)
                ),
            )
            _wait(
                "the analytic tables to catch up",
                lambda: (
                    (answer := client.get("/api/v1/metrics/mau")).status_code == 200
                    and answer.json()["facts_behind"] == 0
                ),
            )
            service = AlertService(
                rules_from_dict(RULES), app.state.runtime.store, AlertState(data_dir / STATE_FILE)
            )
            try:
                report = service.run_cycle()
            finally:
                service.stop()
                service.state.close()
            assert (report.opened, report.errors) == (2, [])
            yield World(
                url=str(client.base_url).rstrip("/"),
                client=client,
                data_dir=data_dir,
                order=order,
                other_order=other,
                journey=journey_events(order, now - timedelta(minutes=8)),
                cohort_day=(now - timedelta(days=2)).date().isoformat(),
            )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright; a missing browser fails under CI, else skips."""
    yield from launch_chromium()


class Tab(BrowserTab):
    """A signed-in browser tab on the console, recording the page's console errors."""

    def __init__(self, page: Page, world: World) -> None:
        super().__init__(page, world.url, timeout_ms=TIMEOUT_MS)
        self.world = world

    def open(self, fragment: str) -> None:
        self.page.goto(f"{self.world.url}/#{fragment}")

    def idle(self, section: str) -> Locator:
        """The page's section once it has loaded (no ``aria-busy``, no "Loading…")."""
        host = self.page.locator(f"#page-{section}")
        expect(host).to_be_visible()
        expect(host).not_to_have_attribute("aria-busy", "true")
        expect(host.locator(".page-status")).not_to_contain_text("Loading")
        return host

    def shoot(self, name: str, tmp_path: Path) -> None:
        """A full-page screenshot in the test's tmp dir and in ``artifacts/``."""
        ARTIFACTS.mkdir(exist_ok=True)
        for folder in (tmp_path, ARTIFACTS):
            self.page.screenshot(path=str(folder / name), full_page=True)
        assert (tmp_path / name).stat().st_size > 10_000


@pytest.fixture
def admin(browser: Browser, world: World) -> Iterator[Tab]:
    """A tab signed in with the admin token."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = Tab(context.new_page(), world)
        tab.sign_in({"token": ADMIN_TOKEN})
        yield tab
    finally:
        context.close()


@pytest.fixture
def support(browser: Browser, world: World) -> Iterator[Tab]:
    """A tab signed in as a ``Support_Logs`` user (name and password)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = Tab(context.new_page(), world)
        tab.sign_in({"username": SUPPORT[0], "password": SUPPORT[1]})
        yield tab
    finally:
        context.close()


def _field(card: Locator, name: str) -> str:
    return card.locator(f'[data-field="{name}"]').inner_text()


# ---------------------------------------------------------------------------- tests


def test_whoami_names_the_role_and_its_permissions(world: World) -> None:
    """``GET /api/v1/whoami`` answers the caller's name, role and permissions (what the
    console hides actions by), and 401 without credentials."""
    admin = world.client.get("/api/v1/whoami").json()
    assert (admin["name"], admin["role"], "alerts.manage" in admin["permissions"]) == (
        "admin",
        "admin",
        True,
    )
    with httpx.Client(base_url=world.url) as anonymous:
        assert anonymous.get("/api/v1/whoami").status_code == 401
        answer = anonymous.post(
            "/api/v1/session", json={"username": SUPPORT[0], "password": SUPPORT[1]}
        )
        assert answer.status_code == 204
        assert anonymous.get("/api/v1/whoami").json() == {
            "name": "sam",
            "role": "Support_Logs",
            "permissions": ["aggregate", "alerts.read", "catalog", "search"],
        }


def test_nav_bar_switches_between_the_pages(admin: Tab) -> None:
    """The nav bar lists the five pages; each link shows its page (and marks itself current)
    and Search comes back to the query bar."""
    page = admin.page
    admin.open("q=&range=15m")
    nav = page.get_by_role("navigation", name="Console pages")
    expect(nav.get_by_role("link")).to_have_text(
        ["Search", "Overview", "Business", "Order journey", "Alerts"]
    )
    for name, heading in (
        ("Overview", "Overview of the six systems"),
        ("Business", "Business KPIs"),
        ("Order journey", "Order journey"),
        ("Alerts", "Alerts"),
    ):
        nav.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.get_by_label("KQL query")).to_be_hidden()
    nav.get_by_role("link", name="Search").click()
    expect(page.get_by_label("KQL query")).to_be_visible()
    expect(page.locator("#page-alerts")).to_be_hidden()
    admin.assert_no_console_errors()


def test_a_page_link_without_a_session_opens_after_signing_in(
    browser: Browser, world: World
) -> None:
    """A shared link to a page, opened without a session, shows the sign-in form; signing in
    with a password lands on that page (not on the search)."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = Tab(context.new_page(), world)
        tab.open("view=alerts")
        page = tab.page
        expect(page.get_by_role("heading", name="Sign in to logyard")).to_be_visible()
        expect(page.locator("#page-alerts")).to_be_hidden()
        page.get_by_label("User name").fill(SUPPORT[0])
        page.get_by_label("Password").fill(SUPPORT[1])
        page.get_by_role("button", name="Sign in").click()
        expect(tab.idle("alerts").locator(".alert-row")).to_have_count(2)
        expect(page.get_by_label("KQL query")).to_be_hidden()
        tab.assert_no_console_errors(401)
    finally:
        context.close()


def test_signing_out_on_a_page_hides_it_and_the_nav(admin: Tab) -> None:
    """Sign out on a page: the sign-in form replaces it and the nav bar; the session is
    gone (the page's data is refused), and signing in again reopens the page."""
    page = admin.page
    admin.open("view=overview&range=1h")
    admin.idle("overview")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to logyard")).to_be_visible()
    expect(page.locator("#page-overview")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Console pages")).to_be_hidden()
    assert page.context.request.get(f"{admin.world.url}/api/v1/whoami").status == 401
    page.get_by_label("API token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(admin.idle("overview").locator(".system-card")).to_have_count(6)
    admin.assert_no_console_errors()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ORD-000123", "ORD-000123"),
        ("  order.id:ORD-000123 ", "ORD-000123"),
        ('order.id:"ORD 7 \\"x\\""', 'ORD 7 "x"'),
        ("service.name:crm", None),
        ("ORD-1 and service.name:crm", None),
        ("order.id:ORD-1 or order.id:ORD-2", None),
        ("", None),
    ],
)
def test_the_search_bar_recognizes_an_order_id(
    admin: Tab, query: str, expected: str | None
) -> None:
    """Which search-bar queries name one order (and offer its journey): a bare ``ORD-…`` id
    or ``order.id:`` with one value, quoted or not; any other query offers nothing."""
    admin.open("q=&range=15m")
    found = admin.page.evaluate(
        "async (q) => (await import('/static/routes.js')).orderIdIn(q)", query
    )
    assert found == expected
    admin.page.get_by_label("KQL query").fill(query)
    offer = admin.page.locator("#journey-offer")
    if expected is None:
        expect(offer).to_be_hidden()
    else:
        expect(offer.get_by_role("button")).to_have_text(f"Show journey of {expected}")


def test_overview_shows_the_six_systems_with_their_numbers(admin: Tab, tmp_path: Path) -> None:
    """Over the last hour: one card per system in the business's order, with its events,
    FATAL and ERROR counts, health, request rate, 5xx rate and latency percentiles as
    computed by hand from the ingested events; the charts are drawn."""
    admin.open("view=overview&range=1h")
    host = admin.idle("overview")
    cards = host.locator(".system-card")
    expect(cards).to_have_count(6)
    assert [c.get_attribute("data-system") for c in cards.all()] == SYSTEMS

    def card(system: str) -> Locator:
        return host.locator(f'.system-card[data-system="{system}"]')

    expected_events = {"internet-shop": "2", "shop-api": "10", "crm": "2", "crm-api": "5",
                       "mes": "2", "mes-api": "3"}  # fmt: skip
    assert {s: _field(card(s), "events") for s in SYSTEMS} == expected_events
    assert {s: _field(card(s), "health") for s in SYSTEMS} == {
        "internet-shop": "Healthy",
        "shop-api": "Errors",  # 20 % of its requests answered 5xx
        "crm": "Errors",
        "crm-api": "Healthy",
        "mes": "FATAL",
        "mes-api": "Healthy",
    }
    assert [(_field(card(s), "fatal"), _field(card(s), "error")) for s in ("crm", "mes")] == [
        ("0", "1"),
        ("1", "0"),
    ]
    # shop-api: 10 requests in 3600 s taking 10..100 ms, two answered 503
    shop = card("shop-api")
    assert [_field(shop, f) for f in ("rps", "error-rate", "p50", "p95", "p99")] == [
        "0.0028", "20 %", "55 ms", "95.5 ms", "99.1 ms",
    ]  # fmt: skip
    mes_api = card("mes-api")  # 2 requests: 100 and 300 ms
    assert [_field(mes_api, f) for f in ("rps", "error-rate", "p50", "p95", "p99")] == [
        "0.00056", "0 %", "200 ms", "290 ms", "298 ms",
    ]  # fmt: skip
    assert [_field(card("crm"), f) for f in ("rps", "p50")] == ["—", "—"]  # not an API
    assert re.fullmatch(r"\d+ (s|min)( \d+ s)? ago", _field(card("mes"), "last"))
    expect(host.locator("svg.sparkline")).to_have_count(6)
    # From the metrics API: no service.stopped, so 100 % available; mes's hardware FATAL was
    # never followed by a restart (no MTTR) and is the one failure in 6 system-hours (MTTF)
    strip = host.locator(".technical .kpi")
    expect(strip.locator('[data-field="value"]')).to_have_text(
        ["100 %", "—", "6 h 00 min", "0 /h", "—", "0 %"]
    )
    expect(host.locator('.technical .kpi[data-metric="mttr"]')).to_have_attribute(
        "title", re.compile("^mean of service.failure")
    )
    assert {s: _field(card(s), "availability") for s in SYSTEMS} == dict.fromkeys(SYSTEMS, "100 %")
    assert [_field(card(s), "retry-rate") for s in SYSTEMS] == [
        "—", "0 %", "—", "0 %", "—", "0 %",
    ]  # fmt: skip
    assert _field(card("mes"), "mttr") == "—"
    # events, errors and requests over time; one latency distribution per API
    expect(host.locator(".chart-host svg.chart")).to_have_count(3)
    # 21 bars between the 22 percentiles; crm-api's requests all took 5 ms: one bar
    figures = host.locator(".latency-figure")
    expect(figures).to_have_count(3)
    assert [figures.nth(i).locator("rect.bar").count() for i in range(3)] == [21, 1, 21]
    expect(figures.nth(1).locator("rect.bar title")).to_have_text("every request took 5 ms")
    expect(figures.nth(0).locator("text.mark-label")).to_have_text(
        ["p50 55", "p95 95.5", "p99 99.1"]
    )
    # crm has a line on the events and errors charts; the requests chart draws the APIs only
    expect(host.locator('.chart-host g.series[data-series="crm"]')).to_have_count(2)
    expect(host.locator('.chart-host g.series[data-series="crm-api"]')).to_have_count(3)
    admin.shoot("console-overview.png", tmp_path)
    # A wider window: the charts are drawn again to their new width (same data)
    chart = host.locator(".chart-host svg.chart").first
    narrow = int(chart.get_attribute("width") or 0)
    admin.page.set_viewport_size({"width": 1600, "height": 900})
    admin.page.wait_for_function(
        "w => document.querySelector('#page-overview .chart-host svg').getAttribute('width') > w",
        arg=narrow,
    )
    expect(host.locator(".chart-host svg.chart")).to_have_count(3)
    admin.assert_no_console_errors()


def test_a_system_card_links_to_its_errors_in_the_search(admin: Tab) -> None:
    """A card's "Errors" link opens the search for that system's ERROR and FATAL events
    over the overview's range: mes has its one FATAL."""
    admin.open("view=overview&range=1h")
    host = admin.idle("overview")
    host.locator('.system-card[data-system="mes"]').get_by_role("link", name="Errors").click()
    page = admin.page
    expect(page.get_by_label("KQL query")).to_have_value(
        "service.name:mes and log.level:(ERROR or FATAL)"
    )
    expect(page.locator("#range")).to_have_value("1h")
    expect(page.locator("#total")).to_have_text("1")
    expect(page.locator("#rows .col-level")).to_have_text(["FATAL"])
    admin.assert_no_console_errors()


def test_business_page_shows_the_kpis_of_the_metrics_api(admin: Tab, tmp_path: Path) -> None:
    """Over 30 days: MAU 7, day-1 retention 66.7 % (2 of the cohort of 3 came back), CSAT
    66.7 % (scores 5, 4, 2), 2 deploys with a median lead time of 3 h; the cohort heat-map
    row of the cohort's day reads 100 %, 67 %, 0 %; per-system figures in the table."""
    admin.open("view=business&range=30d")
    host = admin.idle("business")

    def kpi(name: str) -> str:
        return host.locator(f'.kpi[data-metric="{name}"] [data-field="value"]').inner_text()

    assert {name: kpi(name) for name in ("mau", "retention", "csat", "lead_time")} == {
        "mau": "7",
        "retention": "66.7 %",
        "csat": "66.7 %",
        "lead_time": "3 h 00 min",
    }
    deploys = host.locator('.kpi[data-metric="deployment_frequency"]')
    expect(deploys.locator(".kpi-note")).to_have_text("2 deploy(s) in the range")
    expect(host.locator('.kpi[data-metric="csat"] .kpi-note')).to_have_text(
        "2 of 3 scored 4–5; mean 3.67"
    )
    row = host.locator(f'.cohort-table tr[data-cohort="{admin.world.cohort_day}"]')
    expect(row.locator("td")).to_have_text(["3", "100 %", "67 %", "0 %"])
    assert "background" in (row.locator("td.cohort-cell").first.get_attribute("style") or "")
    table = host.locator(".system-table")
    # internet-shop: 3 + 2 + 1 users over the 31 days the window touches; 4 users; no deploy
    assert table.locator('tr[data-system="internet-shop"] td').all_inner_texts() == [
        "0.2", "4", "66.7 %", "66.7 %", "0", "—",
    ]  # fmt: skip
    assert [
        table.locator(f'tr[data-system="{s}"] td[data-metric="lead_time"]').inner_text()
        for s in ("crm", "mes", "shop-api")
    ] == ["2 h 00 min", "4 h 00 min", "—"]
    # DAU per day: 3 users on the cohort's day, 2 the next day, 4 today; 0 on the others
    first = date.fromisoformat(admin.world.cohort_day)
    days = [(first + timedelta(days=k)).isoformat()[5:] for k in range(3)]
    bars = host.locator(".chart-host svg.chart rect.bar title").all_text_contents()
    assert [b for b in bars if not b.endswith(": 0")] == [
        f"{d}: {n}" for d, n in zip(days, [3, 2, 4], strict=True)
    ]
    admin.shoot("console-business.png", tmp_path)
    admin.assert_no_console_errors()


def _journey_rows(host: Locator) -> list[tuple[str, str]]:
    items = host.locator(".journey-item")
    return [
        (
            i.locator('[data-field="system"]').inner_text(),
            i.locator('[data-field="action"]').inner_text(),
        )
        for i in items.all()
    ]


def test_search_bar_offers_the_journey_of_an_order_id(admin: Tab, tmp_path: Path) -> None:
    """Typing an order id in the search bar offers "Show journey of ..."; the journey has the
    order's 8 events across the six systems (its API calls joined by trace id), oldest first,
    with the time between steps, and nothing of another order."""
    page, world = admin.page, admin.world
    admin.open("q=&range=15m")
    page.get_by_label("KQL query").fill(f"order.id:{world.order}")
    offer = page.get_by_role("button", name=f"Show journey of {world.order}")
    expect(offer).to_be_visible()
    offer.click()

    host = admin.idle("journey")
    expect(host.locator(".journey-item")).to_have_count(8)
    assert _journey_rows(host) == [(e["service.name"], e["event.action"]) for e in world.journey]
    assert host.locator('[data-field="gap"]').all_inner_texts() == [
        "start", "+200 ms", "+4.8 s", "+100 ms", "+59.9 s", "+1 min", "+1.5 s", "+500 ms",
    ]  # fmt: skip
    expect(host.locator(".journey-gap-longest")).to_have_text("+1 min")  # crm → mes
    expect(host.locator(".journey-summary")).to_have_text(
        f"{world.order}: 8 events in 6 systems over 2 min 7 s, joined through 3 traces."
    )
    expect(host.locator("svg.journey-chart circle.journey-point")).to_have_count(8)
    assert world.other_order not in host.inner_text()
    assert f"view=journey&order={world.order}" in page.url
    admin.shoot("console-journey.png", tmp_path)
    admin.assert_no_console_errors()


def test_clicking_an_order_id_in_search_results_opens_its_journey(admin: Tab) -> None:
    """In the results, the order id in a row's message is a button to the order's journey."""
    page, world = admin.page, admin.world
    admin.open(str(httpx.QueryParams({"q": f"order.id:{world.order} and service.name:mes",
                                      "range": "1h"})))  # fmt: skip
    expect(page.locator("#total")).to_have_text("1")
    link = page.locator("#rows .order-link")
    expect(link).to_have_text(world.order)
    link.click()
    host = admin.idle("journey")
    expect(host.locator(".journey-item")).to_have_count(8)
    expect(page.get_by_label("Order id")).to_have_value(world.order)
    admin.assert_no_console_errors()


def test_unknown_order_says_so(admin: Tab) -> None:
    """An order nobody logged shows a sentence, not an empty timeline."""
    admin.open("view=journey&order=ORD-NOPE-0")
    host = admin.idle("journey")
    expect(host.locator(".page-status")).to_contain_text("No event names the order ORD-NOPE-0")
    expect(host.locator(".journey-item")).to_have_count(0)
    admin.assert_no_console_errors()


def test_alerts_page_shows_the_firing_alerts_and_an_admin_silences_one(
    admin: Tab, tmp_path: Path
) -> None:
    """After the cycle: the FATAL (one-shot, "fired") and the ERROR threshold alert
    ("firing") are listed, with their history; the admin silences the threshold rule from
    its row (the silence is listed) and ends the silence again (it is gone)."""
    page = admin.page
    admin.open("view=alerts")
    host = admin.idle("alerts")
    rows = host.locator(".alert-row")
    expect(rows).to_have_count(2)
    assert sorted(
        (r.get_attribute("data-rule"), r.get_attribute("data-status")) for r in rows.all()
    ) == [("errors-present", "firing"), ("fatal", "fired")]
    fatal = host.locator('.alert-row[data-rule="fatal"] .alert-summary').inner_text()
    assert fatal.startswith("FATAL in mes at ")
    assert fatal.endswith(": printer-07 halted: bed heater short circuit")
    assert sorted(
        host.locator('.history-row[data-kind="opened"] td:nth-child(2)').all_inner_texts()
    ) == [
        "errors-present",
        "fatal",
    ]
    expect(host.locator(".role-note")).to_contain_text("you may silence alerts")

    host.get_by_role("button", name="Silence errors-present", exact=True).click()
    expect(page.get_by_label("Rule", exact=True)).to_have_value("errors-present")
    page.get_by_label("Comment", exact=True).fill("looking into the DB")
    page.get_by_label("For", exact=True).select_option("now+4h")
    host.get_by_role("button", name="Silence", exact=True).click()
    silence = host.locator(".silence-row", has_text="looking into the DB")
    expect(silence).to_have_count(1)
    expect(silence.locator("td").nth(0)).to_have_text("errors-present")
    expect(silence.locator("td").nth(4)).to_have_text("admin")
    muted = host.locator(".alert-row .status-silenced")
    expect(muted).to_have_count(1)  # the rule's alert is marked; the FATAL is not
    expect(host.locator('.alert-row[data-rule="errors-present"] .status-silenced')).to_have_count(1)
    admin.shoot("console-alerts.png", tmp_path)

    silence.get_by_role("button", name="Unsilence errors-present", exact=True).click()
    expect(host.locator(".silence-row", has_text="looking into the DB")).to_have_count(0)
    expect(muted).to_have_count(0)
    admin.assert_no_console_errors()


def test_a_fatal_alert_links_to_its_event(admin: Tab) -> None:
    """A FATAL alert's group is its event id, a link to that one event in the search."""
    admin.open("view=alerts")
    host = admin.idle("alerts")
    link = host.locator('.alert-row[data-rule="fatal"] .alert-group a')
    event_id = link.inner_text()
    link.click()
    page = admin.page
    expect(page.get_by_label("KQL query")).to_have_value(f'event.id:"{event_id}"')
    expect(page.locator("#total")).to_have_text("1")
    expect(page.locator("#rows .col-message")).to_have_text(
        ["printer-07 halted: bed heater short circuit"]
    )
    admin.assert_no_console_errors()


def test_support_logs_reads_alerts_without_the_admin_actions(support: Tab, world: World) -> None:
    """A ``Support_Logs`` user sees the same alerts and silences, but no Silence or
    Unsilence button and no silence form (the admin, for the same silence, sees them)."""
    answer = world.client.post(
        "/api/v1/alerts/silences",
        json={"rule": "fatal", "until": "now+1h", "comment": "maintenance of printer-07"},
    )
    assert answer.status_code == 201, answer.text
    try:
        support.open("view=alerts")
        host = support.idle("alerts")
        expect(host.locator(".alert-row")).to_have_count(2)
        expect(host.locator(".silence-row", has_text="maintenance of printer-07")).to_have_count(1)
        expect(host.locator(".role-note")).to_contain_text(
            "sam (Support_Logs): you may read alerts; silencing needs an admin"
        )
        assert host.get_by_role("button", name=re.compile("^(Silence|Unsilence)")).count() == 0
        expect(host.locator(".silence-form")).to_be_hidden()
        assert host.locator("th", has_text="Actions").count() == 0
        support.assert_no_console_errors()
    finally:
        world.client.delete(f"/api/v1/alerts/silences/{answer.json()['id']}")


# ---------------------------------------------------------------- the simulator's traffic


@dataclass(frozen=True)
class SimWorld:
    url: str
    client: httpx.Client
    per_system: dict[str, int]  # stored events of each system


@pytest.fixture(scope="module")
def sim_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimWorld]:
    """Another app, holding ten minutes of the simulator's traffic (seed 11, ending two
    minutes ago), for the pages over realistic data."""
    from logyard.api import create_app
    from logyard.catalog import encode_event
    from logyard.sim import Simulator

    start = datetime.now(UTC) - timedelta(minutes=12)
    events = list(Simulator(seed=11, rate=20.0, start=start).events(600))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOGYARD_ALERT_RULES", "off")
        app = create_app(tmp_path_factory.mktemp("pages-sim"), admin_token=ADMIN_TOKEN)
        with serve(app, ADMIN_TOKEN) as client:
            env.delenv("LOGYARD_ALERT_RULES")
            per_system: dict[str, int] = {}
            for i in range(0, len(events), 4000):
                batch = events[i : i + 4000]
                body = b"\n".join(encode_event(e) for e in batch)
                answer = client.post(
                    "/api/v1/events", content=body, headers={"Content-Type": "application/x-ndjson"}
                ).json()
                for event, item in zip(batch, answer["items"], strict=True):
                    if item["status"] == "accepted":
                        per_system[event.service] = per_system.get(event.service, 0) + 1
            total = sum(per_system.values())
            _wait(
                "the simulated events to be searchable",
                lambda: (
                    client.get("/api/v1/search", params={"size": 0, "from": "now-1h"}).json()[
                        "total"
                    ]
                    == total
                ),
            )
            _wait(
                "the analytic tables to catch up",
                lambda: (
                    (answer := client.get("/api/v1/metrics/mau")).status_code == 200
                    and answer.json()["facts_behind"] == 0
                ),
            )
            yield SimWorld(str(client.base_url).rstrip("/"), client, per_system)


def _expected_journey(client: httpx.Client, order: str) -> list[tuple[str, str]]:
    """The journey computed here through the search API: the order's events, then its
    traces' events; merged by event id, stably sorted by time."""

    def hits(q: str) -> list[dict[str, Any]]:
        answer = client.get("/api/v1/search", params={"q": q, "size": 1000, "sort": "asc"})
        found: list[dict[str, Any]] = answer.json()["hits"]
        return found

    direct = hits(f'order.id:"{order}"')
    traces = sorted({e["trace.id"] for e in direct if e.get("trace.id")})
    linked = hits("trace.id:(" + " or ".join(f'"{t}"' for t in traces) + ")") if traces else []
    merged: dict[str, dict[str, Any]] = {}
    for event in direct + linked:
        merged.setdefault(event["event.id"], event)
    ordered = sorted(merged.values(), key=lambda e: datetime.fromisoformat(e["@timestamp"]))
    return [(e["service.name"], e["event.action"]) for e in ordered]


def test_pages_over_the_simulators_traffic(
    browser: Browser, sim_world: SimWorld, tmp_path: Path
) -> None:
    """Over ten minutes of simulated traffic: the overview's event count of each system is
    what the simulator produced for it, and the journey of an order that came through the
    queue lists the same events, in the same order, as the join computed here through the
    API (at least three systems). Screenshots for people to look at."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = Tab(
            context.new_page(), World(sim_world.url, sim_world.client, Path(), "", "", [], "")
        )
        tab.sign_in({"token": ADMIN_TOKEN})
        tab.open("view=overview&range=15m")
        host = tab.idle("overview")
        expect(host.locator(".system-card")).to_have_count(6)
        shown = {
            s: host.locator(f'.system-card[data-system="{s}"] [data-field="events"]').inner_text()
            for s in SYSTEMS
        }
        assert shown == {s: f"{sim_world.per_system.get(s, 0):,}" for s in SYSTEMS}
        tab.shoot("console-overview-sim.png", tmp_path)

        received = sim_world.client.get(
            "/api/v1/search", params={"q": "event.action:order.received", "size": 50, "sort": "asc"}
        ).json()["hits"]
        journeys = {
            e["order.id"]: _expected_journey(sim_world.client, e["order.id"]) for e in received
        }
        order, expected = max(journeys.items(), key=lambda kv: (len({s for s, _ in kv[1]}), kv[0]))
        assert len({system for system, _ in expected}) >= 3, expected
        tab.open(f"view=journey&order={order}")
        journey = tab.idle("journey")
        expect(journey.locator(".journey-item")).to_have_count(len(expected))
        assert _journey_rows(journey) == expected
        tab.shoot("console-journey-sim.png", tmp_path)
        tab.assert_no_console_errors()
    finally:
        context.close()
