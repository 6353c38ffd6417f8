"""Statement execution for the repositories: one statement, one connection checkout per call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from sora2.db._errors import translate_errors


class Sql:
    """Runs lone statements on an engine; busy or unreachable databases raise `ServiceUnavailable`.

    Every repository call is one statement, atomic by itself. On PostgreSQL it therefore runs in
    autocommit mode, which saves the BEGIN and COMMIT round trips (about half the latency of a
    small query). SQLite's driver sends no BEGIN before a SELECT anyway, and switching its mode
    per checkout costs more than it saves.
    """

    __slots__ = ("_autocommit", "_engine", "_lone")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._autocommit = engine.dialect.name == "postgresql"
        self._lone = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if self._autocommit else engine
        )

    async def read(self, statement: Executable) -> Sequence[Row[Any]]:
        """Run a query and return all its rows."""
        with translate_errors():
            async with self._lone.connect() as connection:
                return (await connection.execute(statement)).all()

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
