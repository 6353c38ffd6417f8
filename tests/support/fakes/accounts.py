"""`UserRepository`, `AuditRepository` and `WebhookDeliveryRepository` in memory.

Same rules as the SQL adapters (db/users.py, db/audit.py, db/webhooks.py), checked by the same
contract tests. Case folding is Python's `str.lower()`, which agrees with PostgreSQL's lower();
SQLite's folds ASCII letters only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sora2.domain import COUNTED_FAILURES, AuditAction, AuditEntry, User
from sora2.errors import Conflict
from tests.support.fakes.videos import VideoTable, check_page


class MemoryUserRepository:
    """Users by id; usernames unique regardless of case. Given the `VideoTable` of the memory
    video ports, deleting a user deletes their videos (the SQL's ON DELETE CASCADE)."""

    def __init__(self, videos: VideoTable | None = None) -> None:
        self._users: dict[str, User] = {}
        self._videos = videos

    async def add(self, user: User) -> None:
        taken = user.id in self._users or any(
            other.username.lower() == user.username.lower() for other in self._users.values()
        )
        if taken:
            raise Conflict(f"the username {user.username!r} is already taken")
        self._users[user.id] = dataclasses.replace(user)

    async def get(self, user_id: str) -> User | None:
        user = self._users.get(user_id)
        return None if user is None else dataclasses.replace(user)

    async def get_by_username(self, username: str) -> User | None:
        for user in self._users.values():
            if user.username.lower() == username.lower():
                return dataclasses.replace(user)
        return None

    async def list(self) -> Sequence[User]:
        ordered = sorted(self._users.values(), key=lambda user: (user.created_at, user.id))
        return [dataclasses.replace(user) for user in ordered]

    async def count(self) -> int:
        return len(self._users)

    async def set_password(self, user_id: str, password_hash: str) -> User | None:
        return self._bump(user_id, password_hash)

    async def bump_token_version(self, user_id: str) -> User | None:
        return self._bump(user_id)

    async def delete(self, user_id: str) -> bool:
        if self._users.pop(user_id, None) is None:
            return False
        if self._videos is not None:
            for video in [v for v in self._videos.values() if v.user_id == user_id]:
                del self._videos[video.id]
        return True

    def _bump(self, user_id: str, password_hash: str | None = None) -> User | None:
        user = self._users.get(user_id)
        if user is None:
            return None
        bumped = dataclasses.replace(
            user,
            password_hash=user.password_hash if password_hash is None else password_hash,
            token_version=user.token_version + 1,
        )
        self._users[user_id] = bumped
        return dataclasses.replace(bumped)


# The SQL columns' lengths: longer values are cut to fit, as db/audit.py does.
_LENGTHS = {"actor_name": 150, "target": 255, "client": 64}


class MemoryAuditRepository:
    """An append-only list of entries, numbered from 1, read newest first."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []

    async def add(self, entry: AuditEntry) -> AuditEntry:
        entry_id = len(self._entries) + 1
        clipped = {
            name: value[:length]
            for name, length in _LENGTHS.items()
            if (value := getattr(entry, name)) is not None
        }
        stored = dataclasses.replace(entry, id=entry_id, details=dict(entry.details), **clipped)
        self._entries.append(stored)
        # Like the SQL adapter: the entry as given (not as clipped), with its new id.
        return dataclasses.replace(entry, id=entry_id)

    async def page(
        self,
        *,
        limit: int,
        offset: int,
        action: AuditAction | None = None,
        user: str | None = None,
    ) -> tuple[Sequence[AuditEntry], int]:
        check_page(limit, offset)
        name = None if user is None else user.strip().lower()
        found = [
            entry
            for entry in self._entries
            if (action is None or entry.action is action)
            and (
                user is None
                or entry.actor_id == user
                or (entry.actor_name is not None and entry.actor_name.lower() == name)
            )
        ]
        found.sort(key=lambda entry: (entry.at, entry.id or 0), reverse=True)
        page = [_copy(entry) for entry in found[offset : offset + limit]]
        return page, len(found)

    async def recent_failures(
        self, *, since: float, limit: int, username: str | None = None, client: str | None = None
    ) -> Sequence[float]:
        failed = [
            entry
            for entry in self._entries
            if entry.action is AuditAction.LOGIN_FAILED
            and entry.reason in COUNTED_FAILURES
            and entry.at > since
        ]
        if username is not None:
            # A successful login for the name wipes the slate for that name.
            last_success = max(
                (
                    entry.at
                    for entry in self._entries
                    if entry.action is AuditAction.LOGIN_SUCCEEDED and entry.actor_name == username
                ),
                default=0.0,
            )
            chosen = [e for e in failed if e.actor_name == username and e.at > last_success]
        elif client is not None:
            chosen = [e for e in failed if e.client == client]
        else:
            return []
        return sorted((entry.at for entry in chosen), reverse=True)[:limit]


def _copy(entry: AuditEntry) -> AuditEntry:
    return dataclasses.replace(entry, details=dict(entry.details))


class MemoryWebhookDeliveries:
    """`WebhookDeliveryRepository`: delivery ids with their provider and arrival time."""

    def __init__(self) -> None:
        self._received: dict[str, tuple[str, float]] = {}

    async def remember(
        self, delivery_id: str, *, provider: str, now: float, forget_before: float
    ) -> bool:
        for old, (_provider, received_at) in list(self._received.items()):
            if received_at < forget_before:
                del self._received[old]
        if delivery_id in self._received:
            return False
        self._received[delivery_id] = (provider, now)
        return True

    async def last_received(self, provider: str) -> float | None:
        times = [at for name, at in self._received.values() if name == provider]
        return max(times, default=None)
