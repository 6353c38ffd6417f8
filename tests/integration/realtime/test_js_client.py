"""The official JavaScript socket.io-client 4.x against a live server, as the guide uses it.

`make test` installs it (`npm ci` in tests/js); the script prints what it receives as JSON lines.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.realtime.conftest import create_video, token_of
from tests.support.processes import popen
from tests.support.server import LiveServer
from tests.support.sockets import assert_full_sequence

pytestmark = pytest.mark.shared_server

JS_DIR = Path(__file__).resolve().parents[2] / "js"
WATCH = JS_DIR / "watch.mjs"


def watch(server: LiveServer, token: str) -> subprocess.Popen[str]:
    node = shutil.which("node")
    assert node, "node is needed for the socket.io-client tests"
    assert (JS_DIR / "node_modules" / "socket.io-client").is_dir(), (
        "socket.io-client is not installed: run `make test` (or `npm ci` in tests/js)"
    )
    return popen(
        [node, str(WATCH), server.url, token, "60"],
        cwd=JS_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_socket_io_client_follows_a_video_to_the_end(
    server: LiveServer, admin: httpx.Client
) -> None:
    proc = watch(server, token_of(admin))
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline()) == {"type": "connect"}
        video = create_video(admin)
        output, errors = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, errors
    received = lines(output)

    updates = [m["data"] for m in received if m["type"] == "video_update"]
    assert {u["video_id"] for u in updates} == {video["id"]}
    finished = next(i for i, u in enumerate(updates) if u["updates"].get("status") == "completed")
    assert_full_sequence([u["updates"] for u in updates[: finished + 1]], final="completed")
    ack = received[-1]
    assert ack["type"] == "ack" and ack["data"]["video_id"] == video["id"]
    assert ack["data"]["updates"] == updates[finished]["updates"]
    assert updates[finished + 1 :] == [ack["data"]]  # the answer also came as an event


def test_socket_io_client_gets_connect_error_for_a_bad_token(server: LiveServer) -> None:
    proc = watch(server, "not-a-token")
    output, errors = proc.communicate(timeout=60)

    assert proc.returncode == 1, errors
    assert lines(output) == [{"type": "connect_error", "message": "invalid token"}]
