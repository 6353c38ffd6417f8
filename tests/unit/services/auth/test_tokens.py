"""Login tokens: what is accepted and what is refused."""

from __future__ import annotations

import stat
from pathlib import Path

import jwt
import pytest

from sora2.domain import User
from sora2.errors import AuthenticationFailed
from sora2.services.auth.tokens import TokenCodec, load_or_create_secret
from tests.support.fakes import FakeClock

SECRET = "s" * 64
NO_TIME_CHECKS = {"verify_exp": False, "verify_iat": False}
USER = User(
    id="u1", username="ann", password_hash="h", is_admin=False, created_at=0, token_version=3
)


def codec_at(clock: FakeClock, *, expiry_seconds: int = 60) -> TokenCodec:
    return TokenCodec(secret=SECRET, expiry_seconds=expiry_seconds, clock=clock)


def test_issued_tokens_verify_and_carry_the_version() -> None:
    clock = FakeClock(1_000)
    codec = codec_at(clock)
    claims = codec.verify(codec.issue(USER))
    assert (claims.user_id, claims.token_version) == ("u1", 3)
    assert claims.expires_at == 1_060


def test_expired_tokens_are_refused_even_from_the_cache() -> None:
    clock = FakeClock(1_000)
    codec = codec_at(clock, expiry_seconds=2)
    token = codec.issue(USER)
    codec.verify(token)  # cached while valid
    clock.advance(1.9)
    assert codec.verify(token).user_id == "u1"
    clock.advance(0.1)
    with pytest.raises(AuthenticationFailed, match="expired"):
        codec.verify(token)
    with pytest.raises(AuthenticationFailed, match="expired"):
        codec.verify(codec.issue(USER, now=clock.now() - 10))


def test_an_expired_token_is_told_so_before_anything_else() -> None:
    clock = FakeClock(1_000)
    issued = codec_at(FakeClock(0), expiry_seconds=60).issue(USER)
    with pytest.raises(AuthenticationFailed, match="expired"):
        codec_at(clock).verify(issued)


def test_a_token_from_the_future_is_refused_beyond_the_clock_skew() -> None:
    clock = FakeClock(1_000)
    codec = codec_at(clock)
    assert codec.verify(codec.issue(USER, now=1_020)).user_id == "u1"  # a clock 20 s ahead
    with pytest.raises(AuthenticationFailed, match="invalid token"):
        codec.verify(codec.issue(USER, now=1_100))


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode({"sub": "u1", "iat": 1, "exp": 2**40, "jti": "j"}, "x" * 64, algorithm="HS256"),
        jwt.encode({"sub": "u1", "iat": 1, "exp": 2**40, "jti": "j"}, SECRET, algorithm="HS512"),
        jwt.encode({"sub": "u1", "iat": 1, "exp": 2**40, "jti": "j"}, None, algorithm="none"),
        jwt.encode({"sub": "u1", "exp": 2**40}, SECRET, algorithm="HS256"),  # no iat, jti
        jwt.encode({"sub": 5, "iat": 1, "exp": 2**40, "jti": "j"}, SECRET, algorithm="HS256"),
        "not.a.token",
    ],
)
def test_foreign_unsigned_and_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(AuthenticationFailed, match="invalid token"):
        codec_at(FakeClock(1_000)).verify(token)


def test_the_generated_secret_is_kept_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "data" / "jwt_secret"
    first = load_or_create_secret(path)
    assert len(first) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "jti", "ver"])
def test_every_claim_is_required(claim: str) -> None:
    codec = codec_at(FakeClock(1_000))
    claims = jwt.decode(codec.issue(USER), SECRET, algorithms=["HS256"], options=NO_TIME_CHECKS)
    del claims[claim]

    with pytest.raises(AuthenticationFailed, match="invalid token"):
        codec.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("version", ["0", True, 1.5, None])
def test_the_version_must_be_an_integer(version: object) -> None:
    codec = codec_at(FakeClock(1_000))
    claims = jwt.decode(codec.issue(USER), SECRET, algorithms=["HS256"], options=NO_TIME_CHECKS) | {
        "ver": version
    }

    with pytest.raises(AuthenticationFailed, match="invalid token"):
        codec.verify(jwt.encode(claims, SECRET, algorithm="HS256"))
