"""Making, watching, playing, remixing, downloading and deleting videos in the browser."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import E2E, UI
from tests.support.browser import add_account, made_video, png

pytestmark = [*E2E, pytest.mark.shared_server]

PROMPT = "A paper boat sailing down a rainy street at dusk"


def test_make_watch_play_remix_download_and_delete(ui: UI, tmp_path: Path) -> None:
    page = ui.login("admin", "admin")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="New video").first.click()
    expect(page.get_by_role("heading", name="New video")).to_be_visible()

    # The pickers offer only what each model allows, and the estimate follows them.
    page.get_by_label("Prompt").fill(PROMPT)
    expect(page.get_by_text(f"{len(PROMPT)} / 4,000 characters")).to_be_visible()
    sizes = page.get_by_role("group", name="Size").get_by_role("radio")
    estimate = page.get_by_test_id("estimate")
    expect(sizes).to_have_count(2)
    page.get_by_role("radio", name=re.compile(r"^sora-2-pro")).check()
    expect(sizes).to_have_count(4)
    page.get_by_role("radio", name="1792×1024 landscape").check()
    page.get_by_role("radio", name="4 s").check()
    expect(estimate).to_have_text("$2.00")
    page.get_by_role("radio", name=re.compile(r"^sora-2 ")).check()
    expect(sizes).to_have_count(2)
    expect(page.get_by_role("radio", name="1280×720 landscape")).to_be_checked()
    expect(estimate).to_have_text("$0.40")

    page.locator("input[type=file]").set_input_files(png(tmp_path / "first-frame.png"))
    expect(page.get_by_alt_text("Preview of the first frame")).to_be_visible()
    listings: list[str] = []
    page.on("request", lambda r: listings.append(r.url) if "/api/videos?" in r.url else None)
    page.get_by_label("Prompt").press("Control+Enter")

    # The library shows the new video, and its progress moves to completion live.
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    card = page.locator(".card", has_text=PROMPT)
    expect(card).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(card.get_by_text("Ready")).to_be_visible()
    expect(card.locator("img")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    progress: list[float] = page.evaluate("window.__progress")
    assert any(0 < value < 100 for value in progress), progress
    # The progress came with the socket's events: the page was listed on arrival and when the
    # new video was announced, not once per step.
    assert len(listings) <= 3, listings

    # The player plays the MP4 through a signed link, and seeking works (Range requests).
    card.get_by_role("link").click()
    expect(page.get_by_role("heading", name=PROMPT)).to_be_visible()
    expect(page.get_by_text("1280 × 720 · landscape")).to_be_visible()
    player = page.locator("video")
    expect(player).to_be_visible()
    # Not page.wait_for_function: its polling evaluates strings, which the app's CSP forbids.
    page.evaluate(
        """() => new Promise((resolve) => {
            const video = document.querySelector("video");
            if (video.readyState >= 1) resolve();
            else video.addEventListener("loadedmetadata", resolve, { once: true });
        })"""
    )
    assert page.evaluate("document.querySelector('video').duration") == 4
    seeked = page.evaluate(
        """() => new Promise((resolve) => {
            const video = document.querySelector("video");
            video.addEventListener("seeked", () => resolve(video.currentTime), { once: true });
            video.currentTime = 2.5;
        })"""
    )
    assert seeked == 2.5
    assert 206 in ui.media_statuses
    src = player.get_attribute("src") or ""
    assert src.startswith("/api/media/") and "eyJhbGciOi" not in src  # never the login JWT

    with page.expect_download() as info:
        page.get_by_role("button", name="Video (MP4)").click()
    download = info.value
    assert download.suggested_filename.endswith(".mp4")
    assert Path(download.path()).read_bytes()[4:8] == b"ftyp"
    with page.expect_download() as info:
        page.get_by_role("button", name="Thumbnail (WebP)").click()
    assert Path(info.value.path()).read_bytes()[8:12] == b"WEBP"

    # "Use prompt" copies the prompt and settings into a new job.
    source_url = page.url
    page.get_by_role("link", name="Use prompt").click()
    expect(page.get_by_label("Prompt")).to_have_value(PROMPT)
    page.go_back()

    # Remix: a dialog, then the new video's page with its lineage.
    page.get_by_role("button", name="Remix").click()
    dialog = page.get_by_role("dialog", name="Remix this video")
    dialog.get_by_label("What should change?").fill("Make the boat bright red")
    dialog.get_by_role("button", name="Start remix").click()
    expect(page.get_by_role("heading", name="Make the boat bright red")).to_be_visible()
    assert page.url != source_url
    expect(page.get_by_role("link", name=f"“{PROMPT}”")).to_be_visible()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible(timeout=90_000)
    page.get_by_role("link", name=f"“{PROMPT}”").click()
    expect(page.get_by_text("1 remix", exact=True)).to_be_visible()
    page.get_by_role("link", name="Make the boat bright red").click()

    # Delete, after a confirmation.
    page.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete this video?")
    confirm.get_by_role("button", name="Delete video").click()
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()
    expect(page.get_by_text("Video deleted.")).to_be_visible()
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card", has_text="bright red")).to_have_count(0)


def test_failures_filters_search_and_paging(ui: UI, admin: httpx.Client) -> None:
    page = ui.login("admin", "admin")
    page.get_by_role("link", name="New video").first.click()
    page.get_by_label("Prompt").fill("Something the moderation refuses [fail]")
    page.get_by_role("button", name="Generate video").click()
    failed = page.locator(".card", has_text="[fail]")
    expect(failed).to_have_attribute("data-status", "failed", timeout=90_000)
    expect(failed.get_by_role("note")).to_contain_text("moderation")

    page.get_by_role("radio", name="Failed").check()
    expect(page).to_have_url(re.compile(r"status=failed"))
    expect(page.locator(".card")).to_have_count(1)
    failed.get_by_role("link").click()
    expect(page.get_by_text("Why it failed:")).to_be_visible()
    page.go_back()

    for n in range(24):
        made_video(admin, f"Filler clip number {n:02d}", wait=False)
    page.get_by_role("radio", name="All").check()
    expect(page.locator(".card")).to_have_count(24)
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card", has_text="[fail]")).to_be_visible()
    page.get_by_role("link", name="Previous").click()
    expect(page.locator(".card")).to_have_count(24)

    search = page.get_by_role("searchbox", name="Search prompts")
    search.fill("NUMBER 07")
    expect(page).to_have_url(re.compile(r"q=NUMBER"))
    expect(page.locator(".card")).to_have_count(1)
    search.fill("no such words")
    expect(page.get_by_role("heading", name="No videos match")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(search).to_have_value("")


def test_a_second_user_sees_none_of_it(ui: UI, admin: httpx.Client) -> None:
    video = made_video(admin, "The admin's private video")
    add_account(admin, "bob", "bobs-password")
    page = ui.login("bob", "bobs-password")
    expect(page.get_by_role("heading", name="No videos yet")).to_be_visible()
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    page.goto(f"/videos/{video['id']}")
    expect(page.get_by_role("heading", name="This video is gone")).to_be_visible()
    page.goto("/users")
    expect(page.get_by_role("heading", name="There is nothing here")).to_be_visible()
    page.goto(f"/?q={video['prompt']}")
    expect(page.get_by_role("heading", name="No videos match")).to_be_visible()


def test_an_image_can_be_dropped_on_the_form(ui: UI, tmp_path: Path) -> None:
    page = ui.login("admin", "admin")
    page.get_by_role("link", name="New video").first.click()
    data = base64.b64encode(png(tmp_path / "dropped.png").read_bytes()).decode()
    transfer = page.evaluate_handle(
        """(data) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "dropped.png", { type: "image/png" }));
            return transfer;
        }""",
        data,
    )
    page.dispatch_event(".dropzone", "dragenter", {"dataTransfer": transfer})
    expect(page.locator(".dropzone-active")).to_be_visible()
    page.dispatch_event(".dropzone", "drop", {"dataTransfer": transfer})
    expect(page.get_by_alt_text("Preview of the first frame")).to_be_visible()
    expect(page.get_by_text("dropped.png")).to_be_visible()
    page.get_by_role("button", name="Remove image").click()
    expect(page.get_by_text("Choose an image")).to_be_visible()
