"""Login tokens: HS256 JWTs with the algorithm pinned, and a cache of verified tokens.

Claims: `sub` (user id), `iat`, `exp`, `jti` and `ver` (the user's token version), all required;
a token whose `ver` is not the user's current one is revoked (checked by AuthService).

A PyJWT verify costs about as much as a whole bare request, so a verified token is remembered
until it expires; revocation is still checked on every use (the user's token version).
"""

from __future__ import annotations

import secrets
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import jwt

from sora2.domain import User
from sora2.errors import AuthenticationFailed
from sora2.ports import Clock
from sora2.services.auth.files import write_private_file

ALGORITHM = "HS256"
# How far in the future a token's `iat` may be (another server's clock may run a little ahead).
CLOCK_SKEW_SECONDS = 30
EXPIRED = "token has expired; log in again"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: str
    token_version: int
    expires_at: float


class TokenCodec:
    def __init__(
        self, *, secret: str, expiry_seconds: int, clock: Clock, cache_size: int = 10_000
    ) -> None:
        self._secret = secret
        self._clock = clock
        self._expiry_seconds = expiry_seconds
        self._cache: OrderedDict[str, TokenClaims] = OrderedDict()
        self._cache_size = cache_size

    def issue(self, user: User, *, now: float | None = None) -> str:
        issued_at = int(now if now is not None else self._clock.now())
        claims = {
            "sub": user.id,
            "username": user.username,
            "ver": user.token_version,
            "iat": issued_at,
            "exp": issued_at + self._expiry_seconds,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        """Decode and check a token; raise AuthenticationFailed with a readable reason."""
        now = self._clock.now()
        cached = self._cache.get(token)
        if cached is not None:
            if cached.expires_at > now:
                return cached
            del self._cache[token]
            raise AuthenticationFailed(EXPIRED)
        try:
            # The times are checked below, on the service's clock rather than PyJWT's.
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={
                    "require": ["exp", "iat", "sub", "jti"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed("invalid token") from exc
        expires_at, issued_at = payload["exp"], payload["iat"]
        if not _is_time(expires_at) or not _is_time(issued_at):
            raise AuthenticationFailed("invalid token")
        # Expiry first, so that an expired token is told it has expired.
        if expires_at <= now:
            raise AuthenticationFailed(EXPIRED)
        version = payload.get("ver")
        if (
            issued_at > now + CLOCK_SKEW_SECONDS
            or not isinstance(payload["sub"], str)
            or not isinstance(payload["jti"], str)
            or not isinstance(version, int)
            or isinstance(version, bool)
        ):
            raise AuthenticationFailed("invalid token")
        claims = TokenClaims(
            user_id=payload["sub"], token_version=version, expires_at=float(expires_at)
        )
        self._cache[token] = claims
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return claims


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def load_or_create_secret(path: Path) -> str:
    """The signing secret kept in the data dir: 32 random bytes made on first start, mode 0600."""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        secret = ""
    if len(secret) >= 32:
        return secret
    secret = secrets.token_hex(32)
    write_private_file(path, secret + "\n")
    return secret
