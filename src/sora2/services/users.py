"""Removing a user is two services' work: their videos, then their account."""

from __future__ import annotations

from sora2.domain import User
from sora2.services.auth.service import AuthService
from sora2.services.videos import VideoService


class UserAdmin:
    def __init__(self, *, auth: AuthService, videos: VideoService) -> None:
        self._auth = auth
        self._videos = videos

    async def remove(
        self, *, user_id: str, actor: User | None = None, client: str | None = None
    ) -> User:
        """Delete a user with every video they made (files and provider copies too); `actor`
        is the admin doing it (None: the server's command line)."""
        acting_user_id = actor.id if actor else None
        await self._auth.check_removable(user_id=user_id, acting_user_id=acting_user_id)
        await self._videos.purge_user(user_id)
        return await self._auth.remove_user(user_id=user_id, actor=actor, client=client)
