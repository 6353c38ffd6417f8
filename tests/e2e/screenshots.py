"""Screenshots of the web UI for docs/ui/: `make screenshots` (`python -m tests.e2e.screenshots`).

Starts a live server on a temporary SQLite database with a few sample videos, drives Debian's
Chromium through the main screens and writes PNGs to docs/ui/. Deterministic enough to review
in a diff: fixed viewport, reduced motion, the same prompts every time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

from tests.support.browser import TIMEOUT_MS, add_account, launch_chromium, made_video, png
from tests.support.server import live_server, wait_for_status

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [
    ("A lighthouse on a cliff at dusk, waves crashing, warm light sweeping the fog", {}),
    ("Macro shot of a hummingbird drinking from a red flower, slow motion", {"size": "720x1280"}),
    ("A paper boat sailing down a rainy street, neon reflections", {"model": "sora-2-pro"}),
    ("Timelapse of a city skyline from day to night, clouds racing", {}),
    ("A robot chef flipping pancakes in a tiny kitchen [fail]", {}),
]
# Caught mid-way in the library shots, one per colour scheme.
ACTIVE = {
    "light": "An astronaut planting a garden on Mars, dust swirling in the low sun",
    "dark": "Northern lights over a frozen lake, a lone cabin glowing orange",
}


def _login(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Library", level=1)).to_be_visible()


def _settle(page: Page) -> None:
    """Wait for images and fonts, so the shot shows the finished page."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    page.evaluate(
        """() => Promise.all([...document.images].map((image) => image.complete
            ? null : new Promise((resolve) => { image.onload = image.onerror = resolve; })))"""
    )


def _seed(admin: httpx.Client, workdir: Path) -> dict[str, str]:
    ids: dict[str, str] = {}
    for prompt, fields in SAMPLES:
        ids[prompt] = made_video(admin, prompt, **fields)["id"]
    source = ids[SAMPLES[0][0]]
    remix = admin.post(
        f"/api/videos/{source}/remix", json={"prompt": "The same lighthouse in a snowstorm"}
    )
    remix.raise_for_status()
    wait_for_status(admin, remix.json()["id"], {"completed"})
    add_account(admin, "alice", "alices-password")
    add_account(admin, "bruno", "brunos-password", is_admin=True)
    png(workdir / "frame.png", 640, 360)
    return ids


def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite+aiosqlite:///{workdir / 'screens.db'}"
        # Slow jobs, so that one video is caught mid-way in the library shot.
        with (
            live_server(workdir / "data", url, simulator_job_seconds=3.0) as server,
            server.client(server.login("admin", "admin")) as admin,
            sync_playwright() as playwright,
        ):
            ids = _seed(admin, workdir)
            browser = launch_chromium(playwright)
            for scheme in ("light", "dark"):
                context = browser.new_context(
                    base_url=server.url,
                    viewport={"width": 1280, "height": 820},
                    device_scale_factor=1,
                    color_scheme=scheme,
                    reduced_motion="reduce",
                )
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()

                def save(name: str, page: Page = page, scheme: str = scheme) -> None:
                    _settle(page)
                    path = out / f"{name}-{scheme}.png"
                    page.screenshot(path=str(path))
                    written.append(path)

                page.goto("/login")
                expect(page.get_by_role("heading", name="Log in")).to_be_visible()
                save("login")
                _login(page, "admin", "admin")
                made_video(admin, ACTIVE[scheme], wait=False)
                page.reload()
                card = page.locator(".card", has_text=ACTIVE[scheme])
                expect(card.get_by_role("progressbar")).to_be_visible()
                deadline = time.monotonic() + 10
                while (
                    int(card.get_by_role("progressbar").get_attribute("aria-valuenow") or 0) < 30
                    and time.monotonic() < deadline
                ):
                    page.wait_for_timeout(100)
                save("library")

                page.goto("/create")
                page.get_by_label("Prompt").fill(
                    "A red fox trotting through fresh snow in a birch forest, golden hour, "
                    "shallow depth of field"
                )
                page.get_by_role("radio", name="sora-2-pro", exact=False).check()
                page.get_by_role("radio", name="1792×1024 landscape").check()
                page.locator("input[type=file]").set_input_files(workdir / "frame.png")
                save("create")

                page.goto(f"/videos/{ids[SAMPLES[0][0]]}")
                expect(page.locator("video")).to_be_visible()
                # Play a moment and pause, so the player shows a frame, not a loading spinner.
                page.evaluate(
                    """() => new Promise((resolve) => {
                        const video = document.querySelector("video");
                        video.muted = true;
                        video.addEventListener("timeupdate", function pause() {
                            if (video.currentTime < 1.5) return;
                            video.removeEventListener("timeupdate", pause);
                            video.pause();
                            resolve();
                        });
                        video.play();
                    })"""
                )
                page.mouse.move(400, 300)
                save("video")

                page.goto("/users")
                expect(page.get_by_role("row", name="alice")).to_be_visible()
                save("users")

                context.close()

            phone = browser.new_context(
                base_url=server.url,
                viewport={"width": 390, "height": 844},
                device_scale_factor=1,
                is_mobile=True,
                has_touch=True,
                color_scheme="dark",
                reduced_motion="reduce",
            )
            page = phone.new_page()
            _login(page, "admin", "admin")
            _settle(page)
            path = out / "library-phone.png"
            page.screenshot(path=str(path))
            written.append(path)
            phone.close()
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "ui")
    args = parser.parse_args()
    for path in shoot(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)  # noqa: T201


if __name__ == "__main__":
    main()
