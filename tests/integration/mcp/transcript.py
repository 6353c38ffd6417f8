"""The transcript of a real MCP session in docs/mcp.md.

`python -m tests.integration.mcp.transcript` (or `make mcp-transcript`)

Starts a live platform (temporary SQLite database, the simulator with 1-second jobs), spawns
`sora2 mcp` over stdio as a desktop assistant does, runs create -> wait -> look -> download ->
remix -> delete, records every JSON-RPC message on the wire, and writes them between the
transcript markers of docs/mcp.md. The tests record their sessions the same way
(tests/support/mcp_session.py).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from mcp import Client

from tests.support.mcp_session import Recorder, recording, render, stdio_transport
from tests.support.server import live_server

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "mcp.md"
START, END = "<!-- transcript:start -->", "<!-- transcript:end -->"
USERNAME, PASSWORD = "ann", "correct-horse-battery"


async def demo_session(mcp: Client, folder: Path) -> None:
    """What the transcript shows: an assistant making, watching, looking at and tidying up."""
    await mcp.list_tools()
    await mcp.get_prompt("make_short_video", {"topic": "a paper boat in the rain"})
    await mcp.call_tool("list_models", {})
    created = await mcp.call_tool(
        "create_video",
        {"prompt": "A paper boat sailing down a rainy street, neon reflections", "seconds": 4},
    )
    video_id = _result(created)["id"]
    await mcp.call_tool("wait_for_video", {"video_id": video_id}, progress_callback=_ignore)
    await mcp.call_tool("get_video_frames", {"video_id": video_id, "count": 2})
    await mcp.call_tool(
        "download_video", {"video_id": video_id, "path": str(folder / "paper-boat.mp4")}
    )
    await mcp.read_resource(f"video://{video_id}")
    remix = await mcp.call_tool("remix_video", {"video_id": video_id, "prompt": "Make it dawn"})
    remix_id = _result(remix)["id"]
    await mcp.call_tool("wait_for_video", {"video_id": remix_id}, progress_callback=_ignore)
    await mcp.call_tool("delete_video", {"video_id": remix_id})


async def _ignore(progress: float, total: float | None, message: str | None) -> None:
    return None


def _result(result: Any) -> dict[str, Any]:
    assert not result.is_error, result
    return dict(result.structured_content)


async def _record(url: str, username: str, password: str, folder: Path) -> Recorder:
    recorder = Recorder()
    env = {"SORA2_USERNAME": username, "SORA2_PASSWORD": password}
    with (folder / "mcp-stderr.log").open("w") as errlog:
        transport = recording(stdio_transport(url, env, folder, errlog), recorder)
        async with Client(transport, mode="legacy") as mcp:
            await demo_session(mcp, folder)
    return recorder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to update")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sora2-transcript-") as temporary:
        folder = Path(temporary)
        database = f"sqlite+aiosqlite:///{folder / 'sora2.db'}"
        with live_server(folder / "data", database) as server:
            with server.client(server.login("admin", "admin")) as admin:
                account = {"username": USERNAME, "password": PASSWORD}
                admin.post("/api/users", json=account).raise_for_status()
            recorder = asyncio.run(_record(server.url, USERNAME, PASSWORD, folder))
    text = args.doc.read_text()
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    args.doc.write_text(f"{before}{START}\n\n{render(recorder)}\n\n{END}{after}")
    print(f"wrote {len(recorder.messages)} messages to {args.doc}")  # noqa: T201


if __name__ == "__main__":
    main()
