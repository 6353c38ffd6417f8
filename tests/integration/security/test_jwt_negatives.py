"""Forged, altered and stale tokens are refused on every surface: REST, Socket.IO and `/mcp`.

Only HS256 signed with the server's key, carrying sub, iat, exp, jti and the user's current
token version, is accepted."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.logins import MCP_HEADERS, MCP_INITIALIZE
from tests.support.server import LiveServer
from tests.support.sockets import SocketRecorder

pytestmark = pytest.mark.shared_server


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def valid_claims(server: LiveServer, token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, secret_of(server), algorithms=["HS256"]))


def secret_of(server: LiveServer) -> str:
    return (server.settings.data_dir / "jwt_secret").read_text().strip()


def forgeries(server: LiveServer, token: str) -> dict[str, str]:
    """Every way a token must not get in, by name."""
    secret = secret_of(server)
    claims = valid_claims(server, token)
    now = int(time.time())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header, payload, signature = token.split(".")
    none = segment({"alg": "none", "typ": "JWT"})

    def signed(**changes: Any) -> str:
        return jwt.encode({**claims, **changes}, secret, algorithm="HS256")

    def without(claim: str) -> str:
        return jwt.encode({k: v for k, v in claims.items() if k != claim}, secret, "HS256")

    return {
        "alg none": f"{none}.{payload}.",
        "alg none, signature kept": f"{none}.{payload}.{signature}",
        "alg None spelled oddly": f"{segment({'alg': 'None', 'typ': 'JWT'})}.{payload}.",
        "HS512 with the right key": jwt.encode(claims, secret, algorithm="HS512"),
        "HS384 with the right key": jwt.encode(claims, secret, algorithm="HS384"),
        "RS256": jwt.encode(claims, rsa_key, algorithm="RS256"),
        "wrong key": jwt.encode(claims, "another-secret-of-32-characters-or-more", "HS256"),
        "tampered sub": f"{header}.{segment({**claims, 'sub': 'someone-else'})}.{signature}",
        "tampered exp": f"{header}.{segment({**claims, 'exp': now + 10**8})}.{signature}",
        "tampered ver": f"{header}.{segment({**claims, 'ver': claims['ver'] + 1})}.{signature}",
        "header says HS512": f"{segment({'alg': 'HS512', 'typ': 'JWT'})}.{payload}.{signature}",
        "signature stripped": f"{header}.{payload}.",
        "missing exp": without("exp"),
        "missing iat": without("iat"),
        "missing sub": without("sub"),
        "missing jti": without("jti"),
        "missing ver": without("ver"),
        "expired": signed(iat=now - 3600, exp=now - 60),
        "issued in the future": signed(iat=now + 3600, exp=now + 7200),
        "older version": signed(ver=claims["ver"] - 1),
        "newer version": signed(ver=claims["ver"] + 1),
        "version not a number": signed(ver="0"),
        "version a boolean": signed(ver=False),
        "sub not a string": signed(sub=12345),
        "unknown user": signed(sub="00000000-0000-0000-0000-000000000000"),
        "garbage": "not.a.token",
    }


def test_the_genuine_token_works(server: LiveServer, admin_token: str) -> None:
    with server.client(admin_token) as client:
        assert client.get("/api/auth/me").status_code == 200


def test_rest_refuses_every_forgery(server: LiveServer, admin_token: str) -> None:
    answers = {}
    with server.client() as client:
        for name, forged in forgeries(server, admin_token).items():
            response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
            answers[name] = (response.status_code, response.headers.get("www-authenticate"))
            assert set(response.json()) == {"error"}, name
    assert answers == dict.fromkeys(answers, (401, "Bearer"))


def test_mcp_refuses_every_forgery(server: LiveServer, admin_token: str) -> None:
    with server.client() as client:
        genuine = client.post(
            "/mcp",
            json=MCP_INITIALIZE,
            headers={**MCP_HEADERS, "Authorization": f"Bearer {admin_token}"},
        )
        assert genuine.status_code == 200, genuine.text
        statuses = {
            name: client.post(
                "/mcp",
                json=MCP_INITIALIZE,
                headers={**MCP_HEADERS, "Authorization": f"Bearer {forged}"},
            ).status_code
            for name, forged in forgeries(server, admin_token).items()
        }
    assert statuses == dict.fromkeys(statuses, 401)


async def test_socketio_refuses_every_forgery(server: LiveServer, admin_token: str) -> None:
    cases = forgeries(server, admin_token)
    reasons = {}
    for name in ("alg none", "HS512 with the right key", "RS256", "wrong key", "tampered sub",
                 "missing ver", "expired", "older version", "newer version"):  # fmt: skip
        recorder = SocketRecorder()
        try:
            reasons[name] = await recorder.refused(server.url, cases[name])
        finally:
            await recorder.close()
    assert reasons["alg none"] == reasons["RS256"] == reasons["wrong key"] == "invalid token"
    assert "revoked" in reasons["older version"] and "revoked" in reasons["newer version"]
    assert "expired" in reasons["expired"]
