"""A client outlives a server restart: it reconnects with the same token and updates resume."""

from __future__ import annotations

from pathlib import Path

from tests.integration.realtime.conftest import create_video
from tests.support.server import live_server
from tests.support.sockets import SocketRecorder, assert_full_sequence


async def test_updates_resume_after_a_restart_without_logging_in_again(
    database_url: str, tmp_path: Path
) -> None:
    recorder = SocketRecorder(reconnection=True)
    try:
        with live_server(tmp_path / "data", database_url) as first:
            token = first.login("admin", "admin")
            port = first.settings.port
            await recorder.connect(first.url, token)
            with first.client(token) as client:
                before = create_video(client)
            await recorder.wait_until_finished(before["id"])
        await recorder.wait_for(lambda: not recorder.client.connected)

        # Same data dir (so the same JWT secret), same database, same port; no new login.
        with live_server(tmp_path / "data", database_url, port=port) as second:
            await recorder.wait_for(lambda: recorder.connects == 2)
            with second.client(token) as client:
                after = create_video(client)
            updates = await recorder.wait_until_finished(after["id"])
    finally:
        await recorder.close()

    assert_full_sequence(updates, final="completed")
    assert recorder.connect_errors == []
