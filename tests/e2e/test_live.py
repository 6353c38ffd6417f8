"""Live updates: a lost connection is noticed, and the page catches up when it comes back."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, UI
from tests.support.browser import made_video
from tests.support.server import wait_for_status

pytestmark = E2E


def test_a_reconnect_refetches_what_changed_meanwhile(ui: UI, admin: httpx.Client) -> None:
    page = ui.login("admin", "admin")
    live = page.get_by_role("status").filter(has_text="Live")
    expect(live).to_be_visible()
    page.context.set_offline(True)
    expect(live).to_have_count(0)

    video = made_video(admin, "Made while the browser was offline", wait=False)
    wait_for_status(admin, video["id"], {"completed"})
    card = page.locator(".card", has_text="Made while the browser was offline")
    expect(card).to_have_count(0)

    page.context.set_offline(False)
    expect(live).to_be_visible()
    expect(card).to_have_attribute("data-status", "completed")
