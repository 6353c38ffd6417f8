"""Statement execution for the repositories: one statement, one connection checkout per call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable

from sora2.db._errors import translate_errors


class Sql:
    """Runs statements on an engine; busy or unreachable databases raise `ServiceUnavailable`."""

    __slots__ = ("engine",)

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def read(self, statement: Executable) -> Sequence[Row[Any]]:
        """Run a query and return all its rows."""
        with translate_errors():
            async with self.engine.connect() as connection:
                result = await connection.execute(statement)
                return result.all()

    async def write(self, statement: Executable) -> Sequence[Row[Any]]:
        """Run a statement in its own committed transaction; return its RETURNING rows, if any."""
        with translate_errors():
            async with self.engine.begin() as connection:
                result = await connection.execute(statement)
                return result.all() if result.returns_rows else ()
