"""The SDK's HTTP behaviour over httpx's mock transport: error mapping, token renewal, retries."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from sora2.client import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncSora2Client,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    Sora2Client,
    Sora2Error,
    ValidationError,
)

Handler = Callable[[httpx.Request], httpx.Response]
VIDEO = {
    "id": "v1",
    "user_id": "u1",
    "openai_video_id": None,
    "prompt": "A cat",
    "model": "sora-2",
    "size": "1280x720",
    "seconds": "8",
    "status": "queued",
    "progress": 0,
    "created_at": 1705849200,
}
LOGIN = {"token": "fresh", "user": {"id": "u1", "username": "admin"}}


def client(handler: Handler, **options: object) -> Sora2Client:
    return Sora2Client("http://sora2.test", transport=httpx.MockTransport(handler), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (405, APIStatusError),
        (416, APIStatusError),
    ],
)
def test_each_status_maps_to_one_exception_with_the_servers_message(
    status: int, kind: type[APIStatusError]
) -> None:
    sdk = client(lambda _: httpx.Response(status, json={"error": f"message {status}"}), token="t")
    with pytest.raises(kind) as caught:
        sdk.get_video_status("v1")
    error = caught.value
    assert type(error) is kind and isinstance(error, Sora2Error)
    assert error.message == str(error) == f"message {status}"
    assert error.status_code == status and error.response is not None


def test_retry_after_in_seconds_or_as_a_date() -> None:
    answers = iter(
        [
            httpx.Response(429, json={"error": "slow down"}, headers={"Retry-After": "7"}),
            httpx.Response(
                503,
                json={"error": "busy"},
                headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
            ),
            httpx.Response(503, json={"error": "busy"}),
        ]
    )
    sdk = client(lambda _: next(answers), token="t")
    with pytest.raises(RateLimitError) as limited:
        sdk.list_videos()
    assert limited.value.retry_after == 7
    with pytest.raises(ServerError) as past:
        sdk.list_videos()
    assert past.value.retry_after == 0  # a date in the past: now
    with pytest.raises(ServerError) as unsaid:
        sdk.list_videos()
    assert unsaid.value.retry_after is None


def test_a_body_without_an_error_field() -> None:
    answers = iter(
        [
            httpx.Response(502, text="Bad gateway from the proxy"),
            httpx.Response(502, text="<html><body>nginx</body></html>"),
        ]
    )
    sdk = client(lambda _: next(answers), token="t")
    with pytest.raises(ServerError, match=r"^Bad gateway from the proxy$"):
        sdk.models()
    with pytest.raises(ServerError, match=r"^HTTP 502 Bad Gateway$"):
        sdk.models()


def test_transport_failures() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(APIConnectionError, match=r"cannot reach http://sora2\.test"):
        client(refuse, token="t").models()
    with pytest.raises(APITimeoutError, match="timed out"):
        client(stall, token="t").models()


def test_an_expired_token_is_renewed_once_then_the_request_retried() -> None:
    seen: list[tuple[str, str | None]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("Authorization")))
        if request.url.path == "/api/auth/login":
            return httpx.Response(200, json=LOGIN)
        if request.headers.get("Authorization") != "Bearer fresh":
            return httpx.Response(401, json={"error": "token expired"})
        return httpx.Response(200, json=VIDEO)

    sdk = client(handle, username="admin", password="admin", token="stale")
    assert sdk.get_video_status("v1").id == "v1"
    assert seen == [
        ("/api/videos/v1", "Bearer stale"),
        ("/api/auth/login", None),
        ("/api/videos/v1", "Bearer fresh"),
    ]
    assert sdk.token == "fresh"


def test_a_token_refused_even_after_a_new_login_is_not_retried_forever() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/api/auth/login":
            return httpx.Response(200, json=LOGIN)
        return httpx.Response(401, json={"error": "token revoked"})

    sdk = client(handle, username="admin", password="admin")
    with pytest.raises(AuthenticationError, match="token revoked"):
        sdk.models()
    assert calls == ["/api/auth/login", "/api/models", "/api/auth/login", "/api/models"]


def test_a_token_only_client_does_not_log_in() -> None:
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(401, json={"error": "token expired"})

    with pytest.raises(AuthenticationError, match="token expired"):
        Sora2Client.from_token(
            "http://sora2.test", "old", transport=httpx.MockTransport(handle)
        ).models()
    assert calls == ["/api/models"]


def test_create_sends_the_guides_form_or_a_multipart_upload(tmp_path: Path) -> None:
    bodies: list[tuple[str, bytes]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append((request.headers["Content-Type"], request.read()))
        return httpx.Response(201, json=VIDEO)

    sdk = client(handle, token="t")
    sdk.create_video("A cat", seconds=4)
    image = tmp_path / "frame"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    sdk.create_video("A cat", "sora-2-pro", "1792x1024", "12", input_reference=image)

    (plain_type, plain), (multi_type, multi) = bodies
    assert plain_type == "application/x-www-form-urlencoded"
    assert plain == b"prompt=A+cat&model=sora-2&size=1280x720&seconds=4"
    assert multi_type.startswith("multipart/form-data")
    assert b'name="input_reference"; filename="frame.png"' in multi
    assert b"Content-Type: image/png" in multi and b'name="seconds"\r\n\r\n12' in multi


def test_every_request_has_the_timeout_and_the_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"models": []})

    client(handle, token="t", timeout=4.5).models()
    assert seen[0].extensions["timeout"] == {"connect": 4.5, "read": 4.5, "write": 4.5, "pool": 4.5}
    assert seen[0].headers["User-Agent"].startswith("sora2-python/")


async def test_the_async_client_maps_and_renews_the_same_way() -> None:
    tokens: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/auth/login":
            body = json.loads(request.content)
            if body["password"] != "admin":
                return httpx.Response(401, json={"error": "invalid username or password"})
            return httpx.Response(200, json=LOGIN)
        tokens.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != "Bearer fresh":
            return httpx.Response(401, json={"error": "token expired"})
        if request.url.path.endswith("/missing"):
            return httpx.Response(404, json={"error": "video not found"})
        return httpx.Response(200, json=VIDEO)

    transport = httpx.MockTransport(handle)
    async with AsyncSora2Client(
        "http://sora2.test", "admin", "admin", token="stale", transport=transport
    ) as sdk:
        assert (await sdk.get_video_status("v1")).prompt == "A cat"
        with pytest.raises(NotFoundError, match="video not found"):
            await sdk.get_video_status("missing")
    assert tokens == ["Bearer stale", "Bearer fresh", "Bearer fresh"]
    with pytest.raises(AuthenticationError, match="invalid username or password"):
        async with AsyncSora2Client("http://sora2.test", "admin", "x", transport=transport):
            pass
