"""Driving Debian's Chromium with Playwright, for the browser tests and the docs' screenshots.

Never a downloaded browser: the system's /usr/bin/chromium (`make test` installs Debian's
package when it is missing), launched with the switches this sandbox needs.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Browser, Playwright

from tests.support.server import wait_for_status

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
TIMEOUT_MS = 30_000  # roomy: a busy machine renders videos slowly

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


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


# --------------------------------------------------------------------------- data helpers


def png(path: Path, width: int = 320, height: int = 180) -> Path:
    """A small first-frame image: a gradient, so the preview shows something."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def add_account(
    admin: httpx.Client, username: str, password: str, *, is_admin: bool = False
) -> str:
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
