"""A real python-socketio client that records what the server sends it, for tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import socketio

from tests.support.waiting import PATIENCE

TERMINAL = {"completed", "failed"}
STATUS_RANK = {"queued": 0, "in_progress": 1, "completed": 2, "failed": 2}


class SocketRecorder:
    """`AsyncClient` plus lists of the received `video_update`s, `error`s and `connect_error`s."""

    def __init__(self, *, reconnection: bool = False) -> None:
        self.client = socketio.AsyncClient(
            reconnection=reconnection,
            reconnection_delay=0.2,
            reconnection_delay_max=0.5,
            randomization_factor=0,
        )
        self.updates: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.connect_errors: list[Any] = []
        self.connects = 0
        self.client.on("video_update", self.updates.append)
        self.client.on("error", self.errors.append)
        self.client.on("connect_error", self.connect_errors.append)
        self.client.on("connect", self._connected)

    def _connected(self) -> None:
        self.connects += 1

    async def connect(
        self, url: str, token: str | None, *, headers: dict[str, str] | None = None
    ) -> None:
        await self.client.connect(
            url,
            auth=None if token is None else {"token": token},
            headers=headers or {},
            wait_timeout=10,
        )

    async def refused(
        self, url: str, token: str | None, *, headers: dict[str, str] | None = None
    ) -> str:
        """Connect, expect a refusal, and return the server's reason."""
        try:
            await self.connect(url, token, headers=headers)
        except socketio.exceptions.ConnectionError as exc:
            if self.connect_errors:
                reason = self.connect_errors[-1]
                return str(reason["message"] if isinstance(reason, dict) else reason)
            return str(exc)
        await self.close()
        raise AssertionError("the connection was accepted")

    async def request_status(self, payload: Any) -> Any:
        """Emit `request_video_status` with an acknowledgement; return the acknowledgement.
        `None` sends no argument, a tuple sends several."""
        return await self.client.call("request_video_status", payload, timeout=10)

    def updates_for(self, video_id: str) -> list[dict[str, Any]]:
        return [update["updates"] for update in self.updates if update["video_id"] == video_id]

    async def wait_for(self, predicate: Callable[[], object], timeout: float = PATIENCE) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; received updates: {self.updates}")
            await asyncio.sleep(0.02)

    async def wait_until_finished(
        self, video_id: str, timeout: float = 2 * PATIENCE
    ) -> list[dict[str, Any]]:
        """Wait for a terminal `video_update` of the video; return its updates so far."""
        await self.wait_for(
            lambda: any(u.get("status") in TERMINAL for u in self.updates_for(video_id)), timeout
        )
        return self.updates_for(video_id)

    async def close(self) -> None:
        await self.client.shutdown()
        # engineio's client leaves its aiohttp session open when a websocket handshake is refused.
        http = self.client.eio.http
        if http is not None and not http.closed:
            await http.close()


def assert_full_sequence(updates: list[dict[str, Any]], *, final: str) -> dict[str, Any]:
    """A video's live updates as a client sees them: created (the full view) first, progress
    and status never going backwards, and exactly one terminal update, last, with the full view.
    Returns the merged final state."""
    assert updates, "no update arrived"
    first, last = updates[0], updates[-1]
    assert first["status"] == "queued" and "prompt" in first and first["progress"] == 0
    state: dict[str, Any] = {}
    for update in updates:
        before = dict(state)
        state |= update
        if "progress" in before:
            assert state["progress"] >= before["progress"], updates
        if "status" in before:
            assert STATUS_RANK[state["status"]] >= STATUS_RANK[before["status"]], updates
    terminal = [u for u in updates if u.get("status") in TERMINAL]
    assert len(terminal) == 1 and terminal[0] is last, updates
    assert last["status"] == final and "prompt" in last and "created_at" in last
    return state
