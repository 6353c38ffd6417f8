"""Logging in and out, sessions that end, my password, and the admins' users page."""

from __future__ import annotations

import base64
import json
import time

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, UI
from tests.support.browser import add_account
from tests.support.server import LiveServer

pytestmark = E2E


def test_login_reload_revocation_and_logout(ui: UI, server: LiveServer) -> None:
    page = ui.page
    page.goto("/videos/whatever")
    expect(page).to_have_url(f"{server.url}/login?next=%2Fvideos%2Fwhatever")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password. Please try again.")

    page.get_by_label("Password").fill("admin")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/videos/whatever")  # back where I was heading
    page.goto("/")
    page.reload()
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()

    # The password changes elsewhere: this session's token is revoked, the next load says so.
    with server.client(server.login("admin", "admin")) as other:
        changed = other.post(
            "/api/auth/password",
            json={"current_password": "admin", "new_password": "a-brand-new-password"},
        )
        assert changed.status_code == 200
    page.reload()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_text("Your session has ended")).to_be_visible()

    ui.login("admin", "a-brand-new-password")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert page.evaluate("localStorage.getItem('sora2.session')") is None


def test_an_expired_token_leads_back_to_login(ui: UI) -> None:
    page = ui.login("admin", "admin")
    session = json.loads(page.evaluate("localStorage.getItem('sora2.session')"))
    claims = {"sub": session["user"]["id"], "exp": int(time.time()) - 60}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    session |= {"token": f"e30.{payload}.sig", "expiresAt": (int(time.time()) - 60) * 1000}
    page.evaluate("value => localStorage.setItem('sora2.session', value)", json.dumps(session))
    page.reload()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_change_my_password(ui: UI, server: LiveServer) -> None:
    page = ui.login("admin", "admin")
    page.get_by_role("link", name="admin — account").click()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()
    page.get_by_label("Current password").fill("wrong-password")
    page.get_by_label("New password", exact=True).fill("my-new-password")
    page.get_by_label("Repeat the new password").fill("my-new-password")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_have_text("The current password is wrong")
    expect(page.get_by_role("heading", name="Account")).to_be_visible()  # still logged in

    page.get_by_label("Current password").fill("admin")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Account")).to_be_visible()  # the new token is kept
    server.login("admin", "my-new-password")


def test_admins_manage_users(ui: UI, admin: httpx.Client, server: LiveServer) -> None:
    add_account(admin, "dave", "daves-password")
    page = ui.login("admin", "admin")
    page.get_by_role("link", name="Users").click()
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(3)  # header, admin, dave
    expect(table.get_by_role("row", name="admin (you)")).to_contain_text("Admin")
    remove_me = table.get_by_role("row", name="admin (you)").get_by_role("button", name="Remove")
    expect(remove_me).to_be_disabled()

    form = page.get_by_role("region", name="Add a user")
    form.get_by_label("Username").fill("carol")
    form.get_by_label("Password").fill("short")
    form.get_by_role("button", name="Add user").click()
    expect(form.get_by_label("Password")).to_have_js_property("validity.valid", False)
    form.get_by_label("Password").fill("carols-password")
    form.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("carol can now log in.")).to_be_visible()
    expect(table.get_by_role("row", name="carol")).to_be_visible()
    form.get_by_label("Username").fill("carol")
    form.get_by_label("Password").fill("another-password")
    form.get_by_role("button", name="Add user").click()
    expect(form.get_by_role("alert")).to_contain_text("taken")

    table.get_by_role("row", name="carol").get_by_role("button", name="Reset password").click()
    dialog = page.get_by_role("dialog", name="New password for carol")
    dialog.get_by_label("New password").fill("reset-by-admin")
    dialog.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Password of carol changed")).to_be_visible()
    server.login("carol", "reset-by-admin")

    table.get_by_role("row", name="dave").get_by_role("button", name="Remove").click()
    confirm = page.get_by_role("dialog", name="Remove dave?")
    confirm.get_by_role("button", name="Remove user").click()
    expect(page.get_by_text("dave was removed.")).to_be_visible()
    expect(table.get_by_role("row", name="dave")).to_have_count(0)
    names = {user["username"] for user in admin.get("/api/users").json()["users"]}
    assert names == {"admin", "carol"}
