"""Brand-new, empty databases for tests, on every backend the platform supports.

    from tests.support.databases import BACKENDS, fresh_database, fresh_database_sync

    @pytest.fixture(params=BACKENDS)
    async def database_url(request, tmp_path):
        async with fresh_database(request.param, tmp_path) as url:
            yield url  # sqlite+aiosqlite:///<tmp_path>/sora2-<hex>.db
                       # or postgresql+asyncpg://postgres@127.0.0.1:5432/sora2_test_<hex>

    @pytest.fixture(params=BACKENDS)  # a plain fixture, e.g. for a server run in a thread
    def database_url_sync(request, tmp_path):
        with fresh_database_sync(request.param, tmp_path) as url:
            yield url

The database is empty (not migrated: call `sora2.db.migrate.migrate(url)`). PostgreSQL databases
are created on the server at `SORA2_TEST_POSTGRES_URL` (default
`postgresql+asyncpg://postgres@127.0.0.1:5432/postgres`) and dropped afterwards with
`WITH (FORCE)`, which also ends connections a test left open; dispose of engines first anyway.
An unreachable server fails the test with a clear message rather than skipping it: CI has one.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "sora2_test_"

T = TypeVar("T")


def postgres_admin_url() -> URL:
    """The server tests create their databases on (its maintenance database)."""
    return make_url(os.environ.get("SORA2_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))


@asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """Yield the SQLAlchemy async URL of a new empty database; remove it afterwards."""
    url = await _create(backend, tmp_path)
    try:
        yield url
    finally:
        await _remove(url)


@contextmanager
def fresh_database_sync(backend: str, tmp_path: Path) -> Iterator[str]:
    """`fresh_database` for synchronous code; safe to call while an event loop runs."""
    url = _run(_create(backend, tmp_path))
    try:
        yield url
    finally:
        _run(_remove(url))


async def _create(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        # A new name each time: one test may ask for several databases in one tmp_path.
        return f"sqlite+aiosqlite:///{tmp_path / f'sora2-{secrets.token_hex(4)}.db'}"
    if backend == "postgresql":
        admin = postgres_admin_url()
        name = f"{DATABASE_PREFIX}{secrets.token_hex(6)}"
        await _admin_execute(admin, f'CREATE DATABASE "{name}"')
        return admin.set(database=name).render_as_string(hide_password=False)
    raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")


async def _remove(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # WITH (FORCE) ends the connections a test left open (PostgreSQL 13+).
        await _admin_execute(
            postgres_admin_url(), f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'
        )
    # SQLite files go with pytest's tmp_path.


async def _admin_execute(admin: URL, sql: str) -> None:
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = await asyncpg.connect(dsn, timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        where = admin.render_as_string(hide_password=True)
        pytest.fail(
            f"PostgreSQL is required by the test suite but unreachable at {where} ({exc!r}). "
            "Start it, or point SORA2_TEST_POSTGRES_URL at a server whose user may CREATE "
            "DATABASE.",
            pytrace=False,
        )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _run(awaitable: Awaitable[T]) -> T:
    """Run a coroutine to completion from sync code.

    Always on a helper thread with its own event loop: it works whether or not the caller's
    thread runs a loop, and leaves that thread's event-loop state (pytest-asyncio's) untouched.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    async def main() -> T:
        return await awaitable

    def target() -> None:
        try:
            outcome.append(asyncio.run(main()))
        except BaseException as exc:  # re-raised in the caller's thread, pytest.fail included
            failure.append(exc)

    thread = threading.Thread(target=target, name="fresh-database")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]
