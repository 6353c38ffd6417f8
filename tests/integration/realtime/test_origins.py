"""Browsers may connect from the server's own origin and from SORA2_CORS_ORIGINS only."""

from __future__ import annotations

import httpx
import pytest
import socketio

from sora2.config import Settings
from tests.support.server import LiveServer
from tests.support.sockets import SocketRecorder

ALLOWED = "https://app.example.com"


pytestmark = [pytest.mark.shared_server, pytest.mark.server_settings(cors_origins=[ALLOWED])]


def cases(server: LiveServer) -> dict[str, bool]:
    return {
        server.url: True,  # same origin
        ALLOWED: True,
        ALLOWED.upper() + "/": True,
        "https://evil.example.com": False,
        "http://app.example.com": False,  # another scheme is another origin
        "https://app.example.com:8443": False,
        server.url.replace("127.0.0.1", "localhost"): False,
        "null": False,
    }


async def test_websocket_connections_from_other_origins_are_refused(
    server: LiveServer,
) -> None:
    token = server.login("admin", "admin")
    for origin, allowed in cases(server).items():
        socket = SocketRecorder()
        try:
            await socket.client.connect(
                server.url,
                auth={"token": token},
                headers={"Origin": origin},
                transports=["websocket"],
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError:
            connected = False
        else:
            connected = socket.client.connected
        finally:
            await socket.close()
        assert connected is allowed, origin


def test_polling_handshakes_from_other_origins_are_refused(server: LiveServer) -> None:
    # The long-polling handshake, as a browser sends it (python-socketio's client lingers ~30 s
    # on closing a polling-only connection, hence plain HTTP here).
    with httpx.Client(base_url=server.url) as client:
        for origin, allowed in cases(server).items():
            response = client.get(
                "/socket.io/",
                params={"EIO": "4", "transport": "polling"},
                headers={"Origin": origin},
            )
            assert (response.status_code == 200) is allowed, (origin, response.text)
            if allowed:
                assert response.headers["access-control-allow-origin"] == origin
            else:
                assert "not an accepted origin" in response.text
        without_origin = client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
        assert without_origin.status_code == 200  # programs send no Origin


def test_the_allow_list_is_parsed_and_never_a_wildcard() -> None:
    settings = Settings(_env_file=None, cors_origins=" https://A.example/ ,http://b.example:8080,")
    assert settings.cors_origins == ["https://a.example", "http://b.example:8080"]
    assert Settings(_env_file=None).cors_origins == []
    with pytest.raises(ValueError, match="may not be"):
        Settings(_env_file=None, cors_origins="https://a.example,*")
