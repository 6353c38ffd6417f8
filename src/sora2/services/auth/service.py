"""Users and logins: who may do what. The only place passwords and tokens are checked.

Every login, failed login, logout, password change and user change is written to the audit log;
every revocation (logout, password change or reset, removal) is published as `SessionsRevoked`
so that live sockets of that user are ended in every process at once.

The user row behind a token (its token version is the revocation check) is reused for a second
or so (`RecentUsers`) instead of being read on every request. A revocation made in this process
forgets it at once, one made in another process as soon as its `SessionsRevoked` arrives
(`forget_user`, called by realtime/sessions.py); without that message (no Redis, or the
`sora2 users` command line) it takes effect within SORA2_USER_CACHE_SECONDS.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sora2.config import DEFAULT_ADMIN_PASSWORD
from sora2.domain import AuditAction, LoginFailure, User
from sora2.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from sora2.events import SessionsRevoked
from sora2.ports import Clock, EventPublisher, UserRepository
from sora2.services.audit import AuditLog
from sora2.services.auth.files import write_private_file
from sora2.services.auth.passwords import Passwords
from sora2.services.auth.throttle import LoginThrottle
from sora2.services.auth.tokens import TokenCodec

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
INITIAL_PASSWORD_FILE = "initial_admin_password"  # noqa: S105 - a file name, not a secret
INVALID_LOGIN = "invalid username or password"


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    user: User


class RecentUsers:
    """Users read in the last `ttl` seconds, by id; at most `max_size` of them.

    `forget` also discards every read that was in flight when it was called (the `generation`
    a read started in is compared when it is stored), so a row read just before a revocation
    is never kept after it.
    """

    def __init__(self, *, ttl: float, clock: Clock, max_size: int = 10_000) -> None:
        self._ttl = ttl
        self._clock = clock
        self._max_size = max_size
        self._users: dict[str, tuple[User, float]] = {}
        self.generation = 0

    def get(self, user_id: str) -> User | None:
        entry = self._users.get(user_id)
        if entry is None:
            return None
        user, expires_at = entry
        if self._clock.now() >= expires_at:
            del self._users[user_id]
            return None
        return user

    def put(self, user: User, *, generation: int) -> None:
        if self._ttl <= 0 or generation != self.generation:
            return
        self._users.pop(user.id, None)  # re-inserted last: the dict's order is the age
        self._users[user.id] = (user, self._clock.now() + self._ttl)
        if len(self._users) > self._max_size:
            del self._users[next(iter(self._users))]

    def forget(self, user_id: str) -> None:
        self.generation += 1
        self._users.pop(user_id, None)


class AuthService:
    def __init__(
        self,
        *,
        users: UserRepository,
        passwords: Passwords,
        tokens: TokenCodec,
        audit: AuditLog,
        throttle: LoginThrottle,
        events: EventPublisher,
        listens_on_loopback: bool,
        clock: Clock,
        user_cache_seconds: float = 0.0,
    ) -> None:
        self._users = users
        self._clock = clock
        self._recent = RecentUsers(ttl=user_cache_seconds, clock=clock)
        self._passwords = passwords
        self._tokens = tokens
        self._audit = audit
        self._throttle = throttle
        self._events = events
        self._loopback = listens_on_loopback

    # ------------------------------------------------------------------ logging in

    async def login(self, *, username: str, password: str, client: str | None = None) -> Login:
        """Check a username and password; return a fresh token. Unknown users and wrong
        passwords get the same answer, after the same work; both count towards the throttle."""
        name = username.strip()
        key = name.lower()
        try:
            await self._throttle.check(username=key, client=client)
        except RateLimited:
            await self._audit.record(
                AuditAction.LOGIN_FAILED,
                actor_name=key,
                client=client,
                reason=LoginFailure.THROTTLED,
            )
            raise
        user = await self._users.get_by_username(name)
        valid = await self._passwords.verify(user.password_hash if user else None, password)
        if user is None or not valid:
            await self._audit.record(
                AuditAction.LOGIN_FAILED,
                actor=user,
                actor_name=key,
                client=client,
                reason=LoginFailure.UNKNOWN_USER if user is None else LoginFailure.WRONG_PASSWORD,
            )
            raise AuthenticationFailed(INVALID_LOGIN)
        if password == DEFAULT_ADMIN_PASSWORD and not self._loopback:
            await self._audit.record(
                AuditAction.LOGIN_FAILED,
                actor=user,
                actor_name=key,
                client=client,
                reason=LoginFailure.DEFAULT_PASSWORD,
            )
            raise PermissionDenied(
                "this account still has the default password 'admin', which only works while "
                "the server listens on loopback; set a new one with "
                f"`sora2 users passwd {user.username}`"
            )
        await self._audit.record(
            AuditAction.LOGIN_SUCCEEDED, actor=user, actor_name=key, client=client
        )
        return Login(token=self._tokens.issue(user), user=user)

    async def logout(self, user: User, *, client: str | None = None) -> None:
        """End every session of the user: all their tokens stop working, sockets are closed."""
        updated = await self._users.bump_token_version(user.id)
        if updated is None:
            raise NotFound("user not found")
        await self._audit.record(AuditAction.LOGOUT, actor=user, target=user.id, client=client)
        await self._revoked(updated, token_version=updated.token_version, reason="logged out")

    async def change_password(
        self, user: User, *, current: str, new: str, client: str | None = None
    ) -> Login:
        """Change one's own password (the current one is required); older tokens stop working.
        A wrong current password counts as a failed login, so a stolen token cannot be used to
        guess the password faster than the login form allows."""
        key = user.username.lower()
        await self._throttle.check(username=key, client=client)
        if not await self._passwords.verify(user.password_hash, current):
            await self._audit.record(
                AuditAction.LOGIN_FAILED,
                actor=user,
                actor_name=key,
                client=client,
                reason=LoginFailure.WRONG_PASSWORD,
            )
            raise AuthenticationFailed("the current password is wrong")
        if current == new:
            raise InvalidInput("the new password must differ from the current one")
        self._passwords.check_new(new, username=user.username)
        updated = await self._users.set_password(user.id, await self._passwords.hash(new))
        if updated is None:
            raise NotFound("user not found")
        await self._audit.record(
            AuditAction.PASSWORD_CHANGED, actor=user, target=user.id, client=client
        )
        await self._revoked(updated, token_version=updated.token_version, reason="password changed")
        return Login(token=self._tokens.issue(updated), user=updated)

    async def authenticate(self, token: str) -> User:
        """The user a bearer token stands for; refused if expired, revoked or deleted."""
        claims = self._tokens.verify(token)
        user = self._recent.get(claims.user_id)
        # Only an answer that accepts the token is taken from memory: a newer token (a password
        # changed in another process) must not be refused on an older row.
        if user is None or user.token_version != claims.token_version:
            generation = self._recent.generation
            user = await self._users.get(claims.user_id)
            if user is None:
                raise AuthenticationFailed("the user of this token no longer exists")
            self._recent.put(user, generation=generation)
        if user.token_version != claims.token_version:
            raise AuthenticationFailed("token has been revoked; log in again")
        return user

    def forget_user(self, user_id: str) -> None:
        """Read the user's row again on their next request (their tokens were revoked)."""
        self._recent.forget(user_id)

    def token_version(self, token: str) -> int | None:
        """The token version a token carries; None if it is invalid or expired."""
        try:
            return self._tokens.verify(token).token_version
        except AuthenticationFailed:
            return None

    # ------------------------------------------------------------------ managing users

    async def add_user(
        self,
        *,
        username: str,
        password: str,
        is_admin: bool = False,
        actor: User | None = None,
        client: str | None = None,
    ) -> User:
        """Create an account; `actor` is the admin doing it (None: the server's command line)."""
        username = username.strip()
        if not USERNAME_PATTERN.fullmatch(username):
            raise InvalidInput(
                "username must be 1-64 characters: letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        self._passwords.check_new(password, username=username)
        user = User(
            id=str(uuid.uuid4()),
            username=username,
            password_hash=await self._passwords.hash(password),
            is_admin=is_admin,
            created_at=self._clock.now(),
        )
        await self._users.add(user)  # raises Conflict on a taken name
        log.info("user added: %s (admin=%s)", username, is_admin)
        await self._audit.record(
            AuditAction.USER_CREATED,
            actor=actor,
            target=user.id,
            client=client,
            details={"username": username, "is_admin": is_admin, **_via(actor)},
        )
        return user

    async def list_users(self) -> Sequence[User]:
        return await self._users.list()

    async def find_user(self, username: str) -> User:
        user = await self._users.get_by_username(username.strip())
        if user is None:
            raise NotFound(f"no user named {username!r}")
        return user

    async def set_password(
        self,
        *,
        user_id: str,
        password: str,
        actor: User | None = None,
        client: str | None = None,
    ) -> User:
        """Replace a password (an admin's reset); every token issued before stops working."""
        target = await self._users.get(user_id)
        if target is None:
            raise NotFound("user not found")
        self._passwords.check_new(password, username=target.username)
        user = await self._users.set_password(user_id, await self._passwords.hash(password))
        if user is None:
            raise NotFound("user not found")
        log.info("password changed for user %s", user.username)
        await self._audit.record(
            AuditAction.PASSWORD_RESET,
            actor=actor,
            target=user.id,
            client=client,
            details={"username": user.username, **_via(actor)},
        )
        await self._revoked(user, token_version=user.token_version, reason="password reset")
        return user

    async def check_removable(self, *, user_id: str, acting_user_id: str | None = None) -> User:
        """The user, if they may be removed: not oneself, not the last admin."""
        if acting_user_id is not None and acting_user_id == user_id:
            raise Conflict("you cannot remove your own account")
        user = await self._users.get(user_id)
        if user is None:
            raise NotFound("user not found")
        if user.is_admin and sum(u.is_admin for u in await self._users.list()) <= 1:
            raise Conflict("cannot remove the last admin")
        return user

    async def remove_user(
        self,
        *,
        user_id: str,
        acting_user_id: str | None = None,
        actor: User | None = None,
        client: str | None = None,
    ) -> User:
        """Delete a user's account (their video rows go with it)."""
        acting_user_id = acting_user_id or (actor.id if actor else None)
        user = await self.check_removable(user_id=user_id, acting_user_id=acting_user_id)
        if not await self._users.delete(user_id):
            raise NotFound("user not found")
        log.info("user removed: %s", user.username)
        await self._audit.record(
            AuditAction.USER_REMOVED,
            actor=actor,
            target=user.id,
            client=client,
            details={"username": user.username, **_via(actor)},
        )
        await self._revoked(user, token_version=user.token_version + 1, reason="account removed")
        return user

    async def _revoked(self, user: User, *, token_version: int, reason: str) -> None:
        self._recent.forget(user.id)
        await self._events.publish(
            SessionsRevoked(user_id=user.id, token_version=token_version, reason=reason)
        )

    async def ensure_initial_admin(self, *, admin_password: str | None, data_dir: Path) -> None:
        """Create `admin` when there are no users: the configured password, else `admin` on
        loopback only, else a random one printed once and kept in DATA_DIR (0600)."""
        if await self._users.count() > 0:
            return
        if admin_password:
            password = admin_password
        elif self._loopback:
            password = DEFAULT_ADMIN_PASSWORD
            log.warning(
                "\n%s\nCreated user 'admin' with password 'admin'. It works only while the server "
                "listens on loopback. Change it: sora2 users passwd admin\n%s",
                "!" * 72,
                "!" * 72,
            )
        else:
            password = secrets.token_urlsafe(12)
            path = data_dir / INITIAL_PASSWORD_FILE
            write_private_file(path, password + "\n")
            print(  # noqa: T201 - shown once, on purpose, to the operator's terminal
                f"Created user 'admin' with password: {password}\n(also written to {path})",
                flush=True,
            )
        user = User(
            id=str(uuid.uuid4()),
            username="admin",
            password_hash=await self._passwords.hash(password),
            is_admin=True,
            created_at=self._clock.now(),
        )
        try:
            await self._users.add(user)
        except Conflict:  # another process created it first
            return


def _via(actor: User | None) -> dict[str, str]:
    """Where an action without an acting user came from."""
    return {} if actor is not None else {"via": "command line"}
