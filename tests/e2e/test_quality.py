"""No console errors, no CSP violations, the security headers, small screens, the keyboard."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from sora2.api.web import CONTENT_SECURITY_POLICY
from tests.e2e.conftest import E2E, UI
from tests.support.browser import made_video

pytestmark = [*E2E, pytest.mark.shared_server]

PAGES = [
    ("/", "Library"),
    ("/create", "New video"),
    ("/users", "Users"),
    ("/account", "Account"),
    ("/nowhere", "There is nothing here"),
]


def visit_everything(page: Page, video_id: str) -> None:
    for path, heading in PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    page.goto(f"/videos/{video_id}")
    expect(page.locator("video")).to_be_visible()
    page.evaluate(
        """() => new Promise((resolve) => {
            const video = document.querySelector("video");
            video.muted = true;
            video.addEventListener("timeupdate", resolve, { once: true });
            video.play();
        })"""
    )
    page.goto("/")
    expect(page.locator(".card img")).to_have_count(2)


def test_no_console_errors_nor_csp_violations(ui: UI, admin: httpx.Client) -> None:
    made_video(admin, "A completed video with a thumbnail")
    video = made_video(admin, "A portrait one", size="720x1280")
    page = ui.page
    document = page.goto("/login")
    assert document is not None
    assert document.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert document.headers["x-content-type-options"] == "nosniff"
    assert document.headers["referrer-policy"] == "no-referrer"
    ui.login("admin", "admin")
    visit_everything(page, video["id"])
    page.get_by_role("button", name="Theme: auto. Switch to light").click()
    page.get_by_role("button", name="Theme: light. Switch to dark").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    visit_everything(page, video["id"])  # again, in the dark theme
    assert ui.console_errors == []
    assert ui.csp_violations == []


@pytest.mark.parametrize("width", [360, 768])
def test_small_screens_do_not_scroll_sideways(ui: UI, admin: httpx.Client, width: int) -> None:
    video = made_video(admin, "A video seen on a phone " * 8)
    ui.page.set_viewport_size({"width": width, "height": 800})
    page = ui.login("admin", "admin")
    for path in ["/", "/create", "/users", "/account", f"/videos/{video['id']}"]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
    # The navigation stays reachable, by its accessible names.
    for name in ["Library", "New video", "Users"]:
        expect(page.get_by_role("link", name=name).first).to_be_visible()


def test_keyboard_only(ui: UI) -> None:
    page = ui.login("admin", "admin")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="New video").first.focus()
    page.keyboard.press("Enter")
    prompt = page.get_by_label("Prompt")
    expect(prompt).to_be_focused()
    page.keyboard.type("Made with the keyboard only")
    page.keyboard.press("Tab")  # to the image picker
    page.keyboard.press("Tab")  # to the model radios
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="sora-2-pro", exact=False)).to_be_checked()
    page.keyboard.press("Control+Enter")
    expect(page.locator(".card", has_text="Made with the keyboard only")).to_be_visible()


def test_server_errors_and_a_lost_network_read_well(ui: UI) -> None:
    page = ui.login("admin", "admin")
    page.route(
        "**/api/videos?*",
        lambda route: route.fulfill(status=500, json={"error": "internal server error"}),
    )
    page.reload()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"The server had a problem \(500\)\. Please try again in a moment\.")
    )
    page.unroute("**/api/videos?*")
    page.route("**/api/models", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("link", name="New video").first.click()
    expect(page.get_by_role("alert")).to_have_text(
        "Can't reach the server. Check your connection and try again."
    )
    page.unroute("**/api/models")
    page.get_by_role("link", name="Library").click()
    expect(page.get_by_role("heading", name="No videos yet")).to_be_visible()
