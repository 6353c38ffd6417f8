"""Users and logins: who may do what. The only place passwords and tokens are checked."""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sora2.config import DEFAULT_ADMIN_PASSWORD
from sora2.domain import User
from sora2.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from sora2.ports import UserRepository
from sora2.services.passwords import MIN_PASSWORD_LENGTH, Passwords
from sora2.services.private_files import write_private_file
from sora2.services.tokens import TokenCodec

log = logging.getLogger(__name__)

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
INITIAL_PASSWORD_FILE = "initial_admin_password"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    user: User


class AuthService:
    def __init__(
        self,
        *,
        users: UserRepository,
        passwords: Passwords,
        tokens: TokenCodec,
        listens_on_loopback: bool,
    ) -> None:
        self._users = users
        self._passwords = passwords
        self._tokens = tokens
        self._loopback = listens_on_loopback

    # ------------------------------------------------------------------ logging in

    async def login(self, *, username: str, password: str) -> Login:
        """Check a username and password; return a fresh token. Unknown users and wrong
        passwords get the same answer, after the same work."""
        user = await self._users.get_by_username(username.strip())
        valid = await self._passwords.verify(user.password_hash if user else None, password)
        if user is None or not valid:
            raise AuthenticationFailed("invalid username or password")
        if password == DEFAULT_ADMIN_PASSWORD and not self._loopback:
            raise PermissionDenied(
                "this account still has the default password 'admin', which only works while "
                "the server listens on loopback; set a new one with "
                f"`sora2 users passwd {user.username}`"
            )
        return Login(token=self._tokens.issue(user), user=user)

    async def change_password(self, user: User, *, current: str, new: str) -> Login:
        """Change one's own password (the current one is required); older tokens stop working."""
        if not await self._passwords.verify(user.password_hash, current):
            raise AuthenticationFailed("the current password is wrong")
        if current == new:
            raise InvalidInput("the new password must differ from the current one")
        updated = await self.set_password(user_id=user.id, password=new)
        return Login(token=self._tokens.issue(updated), user=updated)

    async def authenticate(self, token: str) -> User:
        """The user a bearer token stands for; refused if expired, revoked or deleted."""
        claims = self._tokens.verify(token)
        user = await self._users.get(claims.user_id)
        if user is None:
            raise AuthenticationFailed("the user of this token no longer exists")
        if user.token_version != claims.token_version:
            raise AuthenticationFailed("token has been revoked; log in again")
        return user

    # ------------------------------------------------------------------ managing users

    async def add_user(self, *, username: str, password: str, is_admin: bool = False) -> User:
        username = username.strip()
        if not USERNAME_PATTERN.fullmatch(username):
            raise InvalidInput(
                "username must be 1-64 characters: letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        check_new_password(password)
        user = User(
            id=str(uuid.uuid4()),
            username=username,
            password_hash=await self._passwords.hash(password),
            is_admin=is_admin,
            created_at=time.time(),
        )
        await self._users.add(user)  # raises Conflict on a taken name
        log.info("user added: %s (admin=%s)", username, is_admin)
        return user

    async def list_users(self) -> Sequence[User]:
        return await self._users.list()

    async def find_user(self, username: str) -> User:
        user = await self._users.get_by_username(username.strip())
        if user is None:
            raise NotFound(f"no user named {username!r}")
        return user

    async def set_password(self, *, user_id: str, password: str) -> User:
        """Replace a password; every token issued before stops working."""
        check_new_password(password)
        user = await self._users.set_password(user_id, await self._passwords.hash(password))
        if user is None:
            raise NotFound("user not found")
        log.info("password changed for user %s", user.username)
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

    async def remove_user(self, *, user_id: str, acting_user_id: str | None = None) -> User:
        """Delete a user's account (their video rows go with it)."""
        user = await self.check_removable(user_id=user_id, acting_user_id=acting_user_id)
        if not await self._users.delete(user_id):
            raise NotFound("user not found")
        log.info("user removed: %s", user.username)
        return user

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
            created_at=time.time(),
        )
        try:
            await self._users.add(user)
        except Conflict:  # another process created it first
            return


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if password.strip().lower() == DEFAULT_ADMIN_PASSWORD:
        raise InvalidInput("password 'admin' is not allowed")
