"""Browser tests: Debian's Chromium driven by Playwright, against the live `server` fixture.

One browser for the whole package; a fresh context (cookies, storage) per test, and a fresh
server (and database) per test, or per module where the module shares it (tests/conftest.py).
Every test fails on an uncaught page error or a Content-Security-Policy violation;
`test_quality.py` also checks for console errors page by page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.support.browser import CHROMIUM, RECORDERS, TIMEOUT_MS, launch_chromium
from tests.support.server import LiveServer

# Each test module starts with this: browser tests, on SQLite only (the API tests cover both).
E2E = [pytest.mark.e2e, pytest.mark.backends("sqlite")]
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium); "
            "the browser tests never download a browser"
        )
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@dataclass
class UI:
    """One browser tab on the live server, and what it reported."""

    page: Page
    server: LiveServer
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    media_statuses: list[int] = field(default_factory=list)

    def login(self, username: str, password: str) -> Page:
        page = self.page
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
        return page


def _console(ui: UI, message: ConsoleMessage) -> None:
    if message.type == "error":
        ui.console_errors.append(f"{message.text} ({message.location.get('url', '')})")


@pytest.fixture
def ui(browser: Browser, server: LiveServer) -> Iterator[UI]:
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 800},
        accept_downloads=True,
        reduced_motion="reduce",
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    state = UI(page=page, server=server)
    context.expose_function("__reportCsp", lambda text: state.csp_violations.append(text))
    context.add_init_script(RECORDERS)
    page.on("console", lambda message: _console(state, message))
    page.on("pageerror", lambda error: state.page_errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            state.media_statuses.append(response.status) if "/api/media/" in response.url else None
        ),
    )
    try:
        yield state
    finally:
        context.close()
    assert state.page_errors == [], "uncaught errors in the page"
    assert state.csp_violations == [], "the app broke its own Content-Security-Policy"
