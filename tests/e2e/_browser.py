"""The browser side of the console tests: Debian's Chromium through Playwright, and a tab
that records the page's console errors and signs in through ``POST /api/v1/session``.

A test module keeps its own module-scoped ``browser`` fixture (one sync Playwright at a
time) as ``yield from launch_chromium()``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

__all__ = ["ARTIFACTS", "NETWORK_ERROR", "BrowserTab", "launch_chromium"]

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
#: Screenshots a person looks at after the run.
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# Chromium reports every 4xx answer to fetch() as a console error; a test that expects one
# (a 401 before sign-in, a 400 for a bad query) allows exactly that status.
NETWORK_ERROR = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


def launch_chromium() -> Iterator[Browser]:
    """Debian's Chromium through Playwright (a generator for a module fixture); a missing
    browser fails under ``CI=true``, else skips."""
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


class BrowserTab:
    """A browser tab on the console at ``url``, recording the page's console errors."""

    def __init__(self, page: Page, url: str, *, timeout_ms: int) -> None:
        self.page = page
        self.url = url
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.set_default_timeout(timeout_ms)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def sign_in(self, body: dict[str, str]) -> None:
        """A session cookie in the tab's context (``{"token": ...}`` or name and password)."""
        answer = self.page.context.request.post(f"{self.url}/api/v1/session", data=body)
        assert answer.status == 204, answer.text()

    def assert_no_console_errors(self, *allowed_statuses: int) -> None:
        """No console error but the network errors of ``allowed_statuses``."""
        unexpected = [
            text
            for text in self.errors
            if not ((m := NETWORK_ERROR.search(text)) and int(m.group(1)) in allowed_statuses)
        ]
        assert unexpected == []
