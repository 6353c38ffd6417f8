"""Browser tests: Debian's Chromium driven by Playwright, against the live `server` fixture.

One browser for the whole package; a fresh context (cookies, storage) and a fresh server (and
database) per test. Every test fails on an uncaught page error or a Content-Security-Policy
violation; `test_quality.py` also checks for console errors page by page.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.support.server import LiveServer, wait_for_status

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium keeps calling Google's hosts, which this
# sandbox refuses; the sandbox switch is needed as root (CI).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000

# Installed before any page script runs, in every document of the context.
RECORDERS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCsp(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
window.__progress = [];
new MutationObserver((mutations) => {
  for (const mutation of mutations) {
    const nodes = mutation.type === "attributes" ? [mutation.target] : [...mutation.addedNodes];
    for (const node of nodes) {
      if (!(node instanceof Element)) continue;
      for (const bar of [node, ...node.querySelectorAll("[role=progressbar]")]) {
        if (bar.getAttribute("role") === "progressbar") {
          window.__progress.push(Number(bar.getAttribute("aria-valuenow")));
        }
      }
    }
  }
}).observe(document, {
  subtree: true, childList: true, attributes: true, attributeFilter: ["aria-valuenow"],
});
"""

# Each test module starts with this: browser tests, on SQLite only (the API tests cover both).
E2E = [pytest.mark.e2e, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium); "
            "the browser tests never download a browser"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
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


# --------------------------------------------------------------------------- data helpers


def png(path: Path, width: int = 320, height: int = 180) -> Path:
    """A small first-frame image: a gradient, so the preview shows something."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def add_account(admin: httpx.Client, username: str, password: str, *, is_admin: bool = False) -> str:
    response = admin.post(
        "/api/users", json={"username": username, "password": password, "is_admin": is_admin}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def made_video(
    client: httpx.Client, prompt: str, *, wait: bool = True, **fields: str
) -> dict[str, Any]:
    """A video made through the API (faster than the form when the form is not under test)."""
    response = client.post("/api/videos", data={"prompt": prompt, "seconds": "4", **fields})
    assert response.status_code == 201, response.text
    video: dict[str, Any] = response.json()
    if wait:
        video = wait_for_status(client, video["id"], {"completed", "failed"})
    return video
