"""Live updates: a lost connection is noticed, and the page catches up when it comes back."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, UI
from tests.support.browser import made_video
from tests.support.outage import relay_to
from tests.support.server import wait_for_status

pytestmark = E2E


def test_a_reconnect_refetches_what_changed_meanwhile(ui: UI, admin: httpx.Client) -> None:
    # The browser reaches the server through a relay whose link the test cuts: a real outage
    # (Chromium's offline emulation does not stop WebSockets from reconnecting).
    with relay_to(urlsplit(ui.server.url).port or 80) as relay:
        page = ui.page
        page.goto(f"{relay.url}/login")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("admin")
        page.get_by_role("button", name="Log in").click()
        live = page.get_by_role("status").filter(has_text="Live")
        expect(live).to_be_visible()

        relay.cut()
        expect(live).to_have_count(0)
        video = made_video(admin, "Made while the browser was offline", wait=False)
        wait_for_status(admin, video["id"], {"completed"})
        card = page.locator(".card", has_text="Made while the browser was offline")
        expect(card).to_have_count(0)

        relay.restore()
        expect(live).to_be_visible()
        expect(card).to_have_attribute("data-status", "completed")
