"""Body caps bite while the body is read: a declared size at once, a streamed one at the cap."""

from __future__ import annotations

import json

import pytest

from tests.support.exposure import chunk, connect, read_response, request_head
from tests.support.server import LiveServer

JSON_CAP = 8 * 1024
UPLOAD_CAP = 32 * 1024
FORM_CAP = UPLOAD_CAP + (1 << 20)  # the upload plus room for the other form fields
SOCKET_CAP = 4 * 1024


pytestmark = [
    pytest.mark.backends("sqlite"),
    pytest.mark.shared_server,
    pytest.mark.server_settings(
        max_json_bytes=JSON_CAP, max_upload_bytes=UPLOAD_CAP, socketio_max_message_bytes=SOCKET_CAP
    ),
]


def assert_too_large(status: int, body: bytes, limit: str) -> None:
    assert status == 413
    assert json.loads(body) == {"error": f"request body too large: the limit here is {limit}"}


def test_a_declared_length_above_the_cap_is_refused_before_the_body_is_sent(
    server: LiveServer, admin_token: str
) -> None:
    headers = {
        "Authorization": f"Bearer {admin_token}",
        "Content-Type": "application/json",
        "Content-Length": str(10 * 1024**3),  # 10 GiB, of which not a byte is sent
    }
    for path in ("/api/auth/login", "/api/videos/x/remix", "/api/users"):
        with connect(server) as sock:
            sock.sendall(request_head("POST", path, server, headers))
            response = read_response(sock)
            assert_too_large(response.status, response.body, "8 KiB")
            assert response.headers["connection"] == "close"
            assert response.headers["x-content-type-options"] == "nosniff"


def stream_until_answered(
    server: LiveServer, path: str, headers: dict[str, str], prefix: bytes, total: int
) -> tuple[int, bytes, int]:
    """Send a chunked body of `total` bytes (after `prefix`) without ever finishing it; return
    the status and body of the answer, and how many bytes had been sent when it came."""
    with connect(server) as sock:
        sock.sendall(
            request_head("POST", path, server, {**headers, "Transfer-Encoding": "chunked"})
        )
        sock.sendall(chunk(prefix))
        sent = len(prefix)
        piece = b"A" * 16384
        try:
            while sent < total:
                sock.sendall(chunk(piece))
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: read what it said
        response = read_response(sock)  # the terminating chunk was never sent
    return response.status, response.body, sent


def test_a_streamed_json_body_is_cut_at_the_cap(server: LiveServer, admin_token: str) -> None:
    headers = {"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"}
    status, body, _ = stream_until_answered(
        server, "/api/videos/x/remix", headers, b'{"prompt": "', JSON_CAP * 4
    )
    assert_too_large(status, body, "8 KiB")


def test_a_streamed_upload_is_cut_at_the_cap_before_it_is_spooled(
    server: LiveServer, admin_token: str
) -> None:
    boundary = "exposure-boundary"
    prefix = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="prompt"\r\n\r\na cat\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="input_reference"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    headers = {
        "Authorization": f"Bearer {admin_token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    status, body, _ = stream_until_answered(
        server, "/api/videos", headers, prefix, FORM_CAP + 256 * 1024
    )
    assert_too_large(status, body, "1056 KiB")
    with server.client(admin_token) as client:
        assert client.get("/api/videos").json()["videos"] == []  # nothing was created


def test_bodies_within_the_caps_still_work(server: LiveServer, admin_token: str) -> None:
    with server.client(admin_token) as client:
        # A long prompt fits (the real default leaves room for 32,000 escaped characters).
        remix = client.post("/api/videos/x/remix", json={"prompt": "é" * 1000})
        assert remix.status_code == 404  # read, parsed, and the id is unknown
        # An image just above its own cap but within the form's: the route's own 413.
        upload = client.post(
            "/api/videos",
            data={"prompt": "a cat"},
            files={"input_reference": ("a.png", b"\x89PNG" + b"0" * UPLOAD_CAP, "image/png")},
        )
        assert upload.status_code == 413
        assert "input_reference is larger than" in upload.json()["error"]


def test_a_lying_content_length_reads_no_further_than_declared(
    server: LiveServer, admin_token: str
) -> None:
    headers = {
        "Authorization": f"Bearer {admin_token}",
        "Content-Type": "application/json",
        "Content-Length": "12",
    }
    with connect(server) as sock:
        sock.sendall(request_head("POST", "/api/videos/x/remix", server, headers))
        sock.sendall(b'{"prompt": "' + b"A" * (JSON_CAP * 2) + b'"}')
        response = read_response(sock)
    # Only the 12 declared bytes are the body (invalid JSON: our 400); the rest would be the
    # next request, which is garbage (the HTTP server's own 400, which may come first).
    assert response.status == 400
    assert response.body in (
        b'{"error":"request body is not valid JSON"}',
        b"Invalid HTTP request received.",
    )
    with server.client(admin_token) as client:
        assert client.get("/health").status_code == 200


def test_socketio_polling_payloads_are_capped(server: LiveServer) -> None:
    with server.client() as client:
        opened = client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
        sid = json.loads(opened.text[1:])["sid"]
        response = client.post(
            "/socket.io/",
            params={"EIO": "4", "transport": "polling", "sid": sid},
            content=b"4" + b"x" * (SOCKET_CAP * 2),
            headers={"Content-Type": "text/plain;charset=UTF-8"},
        )
    assert response.status_code == 413
    assert response.json() == {"error": "request body too large: the limit here is 4 KiB"}


def test_mcp_gets_room_for_an_image_and_no_more(server: LiveServer, admin_token: str) -> None:
    cap = UPLOAD_CAP * 4 // 3 + (1 << 20)
    with server.client(admin_token) as client:
        response = client.post(
            "/mcp",
            content=b" " * (cap + 1),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
    assert response.status_code == 413
