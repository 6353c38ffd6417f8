"""Statement execution for the repositories: one statement, one connection checkout per call."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from sora2.db._errors import translate_errors
from sora2.db.engine import sqlite_reader


def lock_key(*parts: str) -> int:
    """A stable signed 64-bit advisory lock key for `Sql.write_serialized` (Python's hash() is
    salted per process, so it cannot name a lock shared by several)."""
    digest = hashlib.blake2b("\x1f".join(sorted(parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Sql:
    """Runs lone statements on an engine; busy or unreachable databases raise `ServiceUnavailable`.

    Every repository call is one statement, atomic by itself. On PostgreSQL it therefore runs in
    autocommit mode, which saves the BEGIN and COMMIT round trips (about half the latency of a
    small query). SQLite's driver sends no BEGIN before a SELECT anyway, and switching its mode
    per checkout costs more than it saves. On a SQLite file, queries go through the engine's
    one-hop reader (engine.py, `SqliteReader`).
    """

    __slots__ = ("_autocommit", "_engine", "_lone", "_reader")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._autocommit = engine.dialect.name == "postgresql"
        self._lone = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if self._autocommit else engine
        )
        self._reader = sqlite_reader(engine)

    async def read(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """Run a query (with the values of its `bindparam`s, if any) and return all its rows."""
        with translate_errors():
            if self._reader is not None:
                return await self._reader.read(statement, params)
            async with self._lone.connect() as connection:
                return (await connection.execute(statement, params)).all()

    async def write_serialized(self, key: int, statement: Executable) -> Sequence[Row[Any]]:
        """`write`, one writer per `key` at a time across processes.

        On PostgreSQL the statement runs in a transaction that first takes the advisory lock
        `key` (released at commit), so a statement that counts rows and then writes cannot
        interleave with another doing the same. SQLite has a single writer already."""
        if not self._autocommit:
            return await self.write(statement)
        with translate_errors():
            async with self._engine.begin() as connection:
                await connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
                result = await connection.execute(statement)
                return result.all() if result.returns_rows else ()

    async def write_all(self, statements: Sequence[Executable]) -> Sequence[Row[Any]]:
        """Run statements in one transaction (one commit); return all their RETURNING rows."""
        rows: list[Row[Any]] = []
        if not statements:
            return rows
        with translate_errors():
            async with self._engine.begin() as connection:
                for statement in statements:
                    result = await connection.execute(statement)
                    if result.returns_rows:
                        rows.extend(result.all())
        return rows

    async def write(self, statement: Executable) -> Sequence[Row[Any]]:
        """Run and commit one statement; return its RETURNING rows, if any."""
        with translate_errors():
            if self._autocommit:
                async with self._lone.connect() as connection:
                    result = await connection.execute(statement)
                    return result.all() if result.returns_rows else ()
            async with self._engine.begin() as connection:
                result = await connection.execute(statement)
                return result.all() if result.returns_rows else ()
