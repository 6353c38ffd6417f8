"""A fresh server holds no video, image, Veo or MCP library until something needs it.

PyAV, NumPy and Pillow (the simulator's renderer, the platform's stills), google-genai and the
MCP SDK are most of an idle server's memory; each is imported by its first use. Checked in a
fresh interpreter, whose `sys.modules` no other test has touched.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.support.fresh import run_fresh

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    from tests.conftest import ADMIN_PASSWORD
    from tests.support.server import live_server, wait_for_status

    HEAVY = ("av", "numpy", "PIL", "google.genai", "mcp")

    def loaded():
        return [name for name in HEAVY if name in sys.modules]

    seen = {}
    with live_server(Path(sys.argv[1]), sys.argv[2]) as server:
        with server.client() as anonymous:
            anonymous.get("/health").raise_for_status()
            seen["started"] = loaded()
            seen["mcp_status"] = anonymous.post("/mcp", json={}).status_code
            seen["after_mcp"] = loaded()
        with server.client(server.login("admin", ADMIN_PASSWORD)) as admin:
            created = admin.post("/api/videos", data={"prompt": "a lazy cat", "seconds": "4"})
            created.raise_for_status()
            video = wait_for_status(admin, created.json()["id"], {"completed", "failed"}, 120)
            seen["status"] = video["status"]
            seen["after_render"] = loaded()
    print(json.dumps(seen))
    """
)


def test_heavy_libraries_load_on_first_use(database_url: str, tmp_path: Path) -> None:
    seen = run_fresh(SCRIPT, str(tmp_path / "data"), database_url)

    assert seen["started"] == []
    # The MCP SDK comes with the first request to /mcp, which is then served as before.
    assert seen["mcp_status"] == 401
    assert seen["after_mcp"] == ["mcp"]
    # The simulator's first render brings PyAV, NumPy and Pillow; google-genai stays out.
    assert seen["status"] == "completed"
    assert seen["after_render"] == ["av", "numpy", "PIL", "mcp"]
