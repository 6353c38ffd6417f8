"""The Host allow-list: a request must name this server (DNS rebinding gets nowhere)."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from tests.support.exposure import connect, read_response, request_head, sqlite_server
from tests.support.server import LiveServer

WRONG = "this server does not answer to that Host; see SORA2_ALLOWED_HOSTS"


pytestmark = [pytest.mark.backends("sqlite"), pytest.mark.shared_server]


def status(server: LiveServer, path: str, host: str) -> httpx.Response:
    with server.client() as client:
        return client.get(path, headers={"Host": host})


def test_a_loopback_server_answers_its_loopback_names_on_any_port(server: LiveServer) -> None:
    port = server.url.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", "[::1]:8080", "LOCALHOST."):
        response = status(server, "/health", host)
        assert response.status_code == 200, host


def test_a_rebound_name_is_refused_everywhere(server: LiveServer, admin_token: str) -> None:
    token = admin_token
    for path in ("/health", "/api/videos", "/", "/api/docs", "/mcp", "/socket.io/?EIO=4"):
        for host in ("evil.example", "evil.example:3000", "127.0.0.1.nip.io", "192.168.1.5"):
            with server.client(token) as client:
                response = client.get(path, headers={"Host": host})
            assert response.status_code == 400, (path, host)
            assert response.json() == {"error": WRONG}
            assert response.headers["x-content-type-options"] == "nosniff"


def test_a_request_without_a_host_is_refused(server: LiveServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        response = read_response(sock)
    assert response.status == 400
    assert response.json() == {"error": "a Host header is required"}


def test_a_websocket_to_a_rebound_name_is_refused(server: LiveServer) -> None:
    handshake = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    path = "/socket.io/?EIO=4&transport=websocket"
    with connect(server) as sock:
        head = request_head("GET", path, server, handshake)
        sock.sendall(head.replace(b"Host: 127.0.0.1", b"Host: evil.example"))
        refused = read_response(sock)
    with connect(server) as sock:
        sock.sendall(request_head("GET", path, server, handshake))
        accepted = sock.recv(1024)
    assert refused.status == 403
    assert accepted.startswith(b"HTTP/1.1 101")


@pytest.mark.server_settings(allowed_hosts="videos.example.com,*.example.org")
def test_listed_names_and_subdomains_are_answered_others_not(server: LiveServer) -> None:
    for host, code in {
        "videos.example.com": 200,
        "VIDEOS.example.com:443": 200,
        "a.example.org": 200,
        "a.b.example.org": 200,
        "example.org": 400,  # `*.` means subdomains only
        "evil-example.org": 400,
        "example.com": 400,
        "localhost": 400,  # a configured list replaces the defaults
        "127.0.0.1": 400,
    }.items():
        assert status(server, "/health", host).status_code == code, host


def test_beyond_loopback_addresses_are_answered_and_names_must_be_listed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The socket stays on server; the settings say the server is exposed on every interface.
    with caplog.at_level(logging.WARNING), sqlite_server(tmp_path, host="0.0.0.0") as server:
        for host, code in {
            "203.0.113.7:3000": 200,
            "[2001:db8::1]:3000": 200,
            "localhost:3000": 200,
            "videos.example.com": 400,
        }.items():
            assert status(server, "/health", host).status_code == code, host
    assert any("SORA2_ALLOWED_HOSTS" in record.getMessage() for record in caplog.records)


def test_a_bad_allowed_hosts_setting_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="is not a host name"),
        sqlite_server(tmp_path, allowed_hosts="https://videos.example.com"),
    ):
        pass
