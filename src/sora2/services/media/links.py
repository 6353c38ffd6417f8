"""Short-lived signed media URLs: how `<video>` and `<img>` reach a user's files.

A browser's media elements cannot send an `Authorization` header, and the login token must never
travel in a URL (it would land in logs, histories and Referer headers). Instead the owner asks for
a link to one variant of one video; the link carries its own proof:

    token = base64url(payload) "." base64url(HMAC-SHA256(key, base64url(payload)))
    payload = {"u": user id, "v": video id, "a": variant, "e": expiry (unix s), "t": token_version}

The key is derived from the JWT secret for this purpose only, so a media token never passes as a
login token nor the reverse. Binding the user's `token_version` means that a password change (one's
own or an admin's reset) revokes every link issued before, as it revokes login tokens. Each use
re-checks that the video still exists and still belongs to the user.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from typing import Any

from sora2.domain import User
from sora2.errors import PermissionDenied
from sora2.ports import Clock, UserRepository
from sora2.services.media.files import Content
from sora2.services.videos import VideoService

KEY_PURPOSE = b"sora2/media-url/v1"
INVALID = "invalid media link"
EXPIRED = "this media link has expired; ask for a new one"
REVOKED = "this media link has been revoked; ask for a new one"


def derive_media_key(secret: str) -> bytes:
    """The signing key of media links: HMAC(secret, purpose), never the JWT secret itself."""
    return hmac.new(secret.encode(), KEY_PURPOSE, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class MediaGrant:
    """What a valid link allows: one variant of one video, for one user, until `expires_at`."""

    user_id: str
    video_id: str
    variant: str
    expires_at: int
    token_version: int


@dataclass(frozen=True, slots=True)
class MediaLink:
    token: str
    expires_at: int


class MediaUrlService:
    def __init__(
        self,
        *,
        key: bytes,
        ttl_seconds: int,
        users: UserRepository,
        videos: VideoService,
        clock: Clock,
    ) -> None:
        self._key = key
        self._ttl = ttl_seconds
        self._users = users
        self._videos = videos
        self._clock = clock

    async def issue(self, user: User, video_id: str, *, variant: str | None) -> MediaLink:
        """A link to one variant of one of my completed videos (404 for others' videos)."""
        content = await self._videos.content(user, video_id, variant=variant)
        grant = MediaGrant(
            user_id=user.id,
            video_id=content.video.id,
            variant=content.variant.value,
            # Rounded up: a link lives at least the configured time.
            expires_at=math.ceil(self._clock.now() + self._ttl),
            token_version=user.token_version,
        )
        return MediaLink(token=self.sign(grant), expires_at=grant.expires_at)

    async def open(self, token: str) -> Content:
        """The file a link grants, if the link is genuine, current and not revoked."""
        grant = self.verify(token)
        user = await self._users.get(grant.user_id)
        if user is None or user.token_version != grant.token_version:
            raise PermissionDenied(REVOKED)
        return await self._videos.content(user, grant.video_id, variant=grant.variant)

    def sign(self, grant: MediaGrant) -> str:
        payload = json.dumps(
            {
                "u": grant.user_id,
                "v": grant.video_id,
                "a": grant.variant,
                "e": grant.expires_at,
                "t": grant.token_version,
            },
            separators=(",", ":"),
        ).encode()
        body = _b64encode(payload)
        return f"{body}.{_b64encode(self._mac(body))}"

    def verify(self, token: str) -> MediaGrant:
        """Check the signature first, then the expiry; raise PermissionDenied otherwise."""
        body, dot, signature = token.partition(".")
        if not dot or not body or len(token) > 1024:
            raise PermissionDenied(INVALID)
        try:
            given = _b64decode(signature)
            claims: Any = json.loads(_b64decode(body))
        except (binascii.Error, ValueError):
            raise PermissionDenied(INVALID) from None
        if not hmac.compare_digest(given, self._mac(body)):
            raise PermissionDenied(INVALID)
        grant = _grant_of(claims)
        if self._clock.now() >= grant.expires_at:
            raise PermissionDenied(EXPIRED)
        return grant

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()


def _grant_of(claims: Any) -> MediaGrant:
    # Only reached with a valid signature: a malformed payload here means a bug or an old format.
    if not isinstance(claims, dict):
        raise PermissionDenied(INVALID)
    user_id, video_id, variant = claims.get("u"), claims.get("v"), claims.get("a")
    expires_at, version = claims.get("e"), claims.get("t")
    if not (
        isinstance(user_id, str)
        and isinstance(video_id, str)
        and isinstance(variant, str)
        and type(expires_at) is int
        and type(version) is int
    ):
        raise PermissionDenied(INVALID)
    return MediaGrant(
        user_id=user_id,
        video_id=video_id,
        variant=variant,
        expires_at=expires_at,
        token_version=version,
    )


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict base64url: one spelling per byte string, so no altered token passes as genuine."""
    if not text.isascii():
        raise ValueError("not base64url")
    data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data
