"""The SDK's errors against a live platform: one exception tree, the server's own messages,
token refresh, restarts waited through, and downloads that never leave a partial file."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from sora2.client import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    Sora2Client,
    Sora2Error,
    ValidationError,
    Video,
    VideoFailedError,
    WaitTimeoutError,
)
from tests.integration.client.conftest import BreakingTransport
from tests.support.processes import free_port
from tests.support.server import LiveServer, live_server, wait_for_status
from tests.support.waiting import wait_until

pytestmark = pytest.mark.shared_server


def test_a_bad_login(server: LiveServer) -> None:
    with pytest.raises(AuthenticationError) as caught:
        Sora2Client(server.url, "admin", "not-the-password")
    assert caught.value.message == "invalid username or password"
    assert caught.value.status_code == 401
    assert isinstance(caught.value, Sora2Error)


def test_a_missing_video_and_bad_input(sdk: Sora2Client) -> None:
    with pytest.raises(NotFoundError, match="not found") as caught:
        sdk.get_video_status("00000000-0000-0000-0000-000000000000")
    assert caught.value.status_code == 404
    with pytest.raises(NotFoundError):
        sdk.delete_video("00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValidationError, match="unknown model 'sora-9'"):
        sdk.create_video("A cat", model="sora-9")
    with pytest.raises(ValidationError, match="size '1792x1024' is not available for sora-2"):
        sdk.create_video("A cat", size="1792x1024")
    with pytest.raises(ValidationError, match="input_reference"):
        sdk.create_video("A cat", input_reference=b"not an image at all")


def test_a_failed_video_carries_its_reason(sdk: Sora2Client) -> None:
    video = sdk.create_video("[fail] a forbidden scene", seconds=4)
    with pytest.raises(VideoFailedError) as caught:
        sdk.wait_for_completion(video["id"], poll_interval=0.2)
    failed = caught.value.video
    assert isinstance(failed, Video) and failed.is_failed and failed.id == video.id
    assert caught.value.error_message == failed.error_message
    assert "moderation" in str(caught.value).lower()
    # watch() itself does not raise: it yields the failed state last.
    assert list(sdk.watch(video.id))[-1].is_failed


def test_waiting_has_a_timeout(sdk: Sora2Client) -> None:
    video = sdk.create_video("A long one", seconds=12)
    with pytest.raises(WaitTimeoutError, match=r"did not finish within 0\.3 seconds"):
        sdk.wait_for_completion(video.id, poll_interval=0.1, timeout=0.3)


def test_a_server_that_is_not_there() -> None:
    with pytest.raises(APIConnectionError, match="cannot reach") as caught:
        Sora2Client(f"http://127.0.0.1:{free_port()}", "admin", "admin")
    assert isinstance(caught.value, ConnectionError)


def test_a_server_that_does_not_answer_times_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="timed out") as caught:
            Sora2Client(url, "admin", "admin", timeout=0.3)
    assert time.monotonic() - started < 5
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, APIConnectionError)


@pytest.mark.own_server
def test_an_expired_token_is_renewed_by_logging_in_again(database_url: str, tmp_path: Path) -> None:
    with (
        live_server(tmp_path / "data", database_url, jwt_expiry_seconds=2) as server,
        Sora2Client(server.url, "admin", "admin") as sdk,
    ):
        token_only = Sora2Client.from_token(server.url, sdk.token or "")
        first_token = sdk.token
        video = sdk.create_video("Before expiry", seconds=4)
        time.sleep(3.1)

        assert sdk.get_video_status(video.id).id == video.id  # 401, log in, retried
        assert sdk.token != first_token
        with pytest.raises(AuthenticationError):  # no password to log in again with
            token_only.get_video_status(video.id)
        token_only.close()

        # A wait longer than a token's life, on polling alone: renewed on the way.
        sdk.realtime = False
        slow = sdk.create_video("Outlives its token", seconds=4)
        time.sleep(2.5)
        assert sdk.wait_for_completion(slow.id, poll_interval=0.2).is_completed


class CountingTransport(httpx.HTTPTransport):
    """A real transport that counts the requests that found no server."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except httpx.ConnectError:
            self.refused += 1
            raise


@pytest.mark.own_server
def test_a_wait_outlives_a_server_restart(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    slow = {"simulator_job_seconds": 4.0, "port": port}
    result: dict[str, object] = {}
    with live_server(tmp_path / "data", database_url, **slow) as first:
        transport = CountingTransport()
        sdk = Sora2Client(first.url, "admin", "admin", transport=transport)
        video = sdk.create_video("Through a restart", seconds=4)

        def wait() -> None:
            try:
                result["video"] = sdk.wait_for_completion(video.id, poll_interval=0.2, timeout=60)
            except Sora2Error as exc:
                result["error"] = exc

        waiter = threading.Thread(target=wait)
        waiter.start()
        with first.client(first.login("admin", "admin")) as client:
            wait_for_status(client, video.id, {"in_progress"})
    assert waiter.is_alive(), result  # the server is down; the wait goes on
    wait_until(lambda: transport.refused >= 2, message="the wait never met the stopped server")
    assert waiter.is_alive(), result
    with live_server(tmp_path / "data", database_url, **slow):
        waiter.join(timeout=60)
    sdk.close()
    assert not waiter.is_alive()
    done = result.get("video")
    assert isinstance(done, Video) and done.is_completed, result


def test_a_download_that_breaks_leaves_no_file(server: LiveServer, tmp_path: Path) -> None:
    with Sora2Client(server.url, "admin", "admin", transport=BreakingTransport()) as sdk:
        video = sdk.wait_for_completion(sdk.create_video("Cut short", seconds=4), 0.2)
        folder = tmp_path / "downloads"
        folder.mkdir()
        target = folder / "video.mp4"
        with pytest.raises(APIConnectionError, match="connection reset"):
            sdk.download_video(video.id, target)
        assert list(folder.iterdir()) == []

        target.write_bytes(b"the previous download")
        with pytest.raises(APIConnectionError):
            sdk.download(video.id, target)
        assert target.read_bytes() == b"the previous download"  # untouched, not half-replaced
        assert list(folder.iterdir()) == [target]


def test_downloading_an_unfinished_video(sdk: Sora2Client, tmp_path: Path) -> None:
    video = sdk.create_video("Not yet", seconds=12)
    tmp_path = tmp_path / "downloads"
    tmp_path.mkdir()
    with pytest.raises(ConflictError) as caught:
        sdk.download_video(video.id, tmp_path / "early.mp4")
    assert caught.value.status_code == 409 and caught.value.message
    assert list(tmp_path.iterdir()) == []
    sdk.wait_for_completion(video.id, poll_interval=0.2)
    with pytest.raises(ValidationError, match="variant"):
        sdk.download(video.id, tmp_path, variant="poster")
    assert list(tmp_path.iterdir()) == []


def test_unexpected_answers_are_sora2_errors(tmp_path: Path) -> None:
    def not_the_platform(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>hello</html>")

    with (
        Sora2Client(
            "http://example.test", token="t", transport=httpx.MockTransport(not_the_platform)
        ) as sdk,
        pytest.raises(Sora2Error, match="unexpected answer"),
    ):
        sdk.get_video_status("x")
