"""`UserRepository` on SQLAlchemy Core: one statement per call."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._rows import user_from_row, user_values
from sora2.db._sql import Sql
from sora2.db.tables import users
from sora2.domain import User
from sora2.errors import Conflict

# Read on every request whose token's user is not in AuthService's memory: built once.
_BY_ID = sa.select(users).where(users.c.id == sa.bindparam("user_id"))


class SqlUserRepository:
    """Users in SQLite or PostgreSQL. Usernames are unique regardless of case."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sql = Sql(engine)

    async def add(self, user: User) -> None:
        try:
            await self._sql.write(sa.insert(users).values(user_values(user)))
        except sa_exc.IntegrityError as exc:
            raise Conflict(f"the username {user.username!r} is already taken") from exc

    async def get(self, user_id: str) -> User | None:
        rows = await self._sql.read(_BY_ID, {"user_id": user_id})
        return user_from_row(rows[0]) if rows else None

    async def get_by_username(self, username: str) -> User | None:
        # Both sides through the database's lower(): the same function the unique index uses.
        statement = sa.select(users).where(
            sa.func.lower(users.c.username) == sa.func.lower(username)
        )
        rows = await self._sql.read(statement)
        return user_from_row(rows[0]) if rows else None

    async def list(self) -> Sequence[User]:
        rows = await self._sql.read(sa.select(users).order_by(users.c.created_at, users.c.id))
        return [user_from_row(row) for row in rows]

    async def count(self) -> int:
        rows = await self._sql.read(sa.select(sa.func.count()).select_from(users))
        return int(rows[0][0])

    async def set_password(self, user_id: str, password_hash: str) -> User | None:
        statement = (
            sa.update(users)
            .where(users.c.id == user_id)
            .values(password_hash=password_hash, token_version=users.c.token_version + 1)
            .returning(*users.c)
        )
        rows = await self._sql.write(statement)
        return user_from_row(rows[0]) if rows else None

    async def bump_token_version(self, user_id: str) -> User | None:
        statement = (
            sa.update(users)
            .where(users.c.id == user_id)
            .values(token_version=users.c.token_version + 1)
            .returning(*users.c)
        )
        rows = await self._sql.write(statement)
        return user_from_row(rows[0]) if rows else None

    async def delete(self, user_id: str) -> bool:
        """Delete the user; their videos go with them (ON DELETE CASCADE)."""
        rows = await self._sql.write(
            sa.delete(users).where(users.c.id == user_id).returning(users.c.id)
        )
        return bool(rows)
