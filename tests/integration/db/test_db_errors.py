"""A busy or unreachable database surfaces as ServiceUnavailable; other errors pass through."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db.engine import check_connection, create_engine
from sora2.db.migrate import migrate
from sora2.db.repositories import SqlUserRepository, SqlVideoStore
from sora2.domain import User
from sora2.errors import ServiceUnavailable
from tests.support.databases import fresh_database

UNREACHABLE_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:1/sora2"


async def test_a_locked_sqlite_database_is_unavailable_not_broken(
    tmp_path: Path, make_user: Callable[..., User]
) -> None:
    path = tmp_path / "sora2.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    engine = create_engine(url, busy_timeout_ms=50)
    users = SqlUserRepository(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another process mid-write, for longer than 50 ms
        with pytest.raises(ServiceUnavailable, match="locked") as caught:
            await users.add(make_user())
        holder.execute("ROLLBACK")

        assert caught.value.retry_after == 1
        assert caught.value.status_code == 503
        await users.add(make_user(username="after"))  # the lock gone, writes work again
        assert await users.count() == 1
    finally:
        holder.close()
        await engine.dispose()


async def test_check_connection_passes_on_a_live_database(engine: AsyncEngine) -> None:
    await check_connection(engine)


async def test_check_connection_explains_an_unreachable_server() -> None:
    engine = create_engine(UNREACHABLE_POSTGRES, connect_timeout=2)
    try:
        with pytest.raises(
            ServiceUnavailable, match=r"cannot reach the database at .*127\.0\.0\.1:1"
        ):
            await check_connection(engine)
    finally:
        await engine.dispose()


async def test_check_connection_hides_the_password() -> None:
    engine = create_engine("postgresql+asyncpg://postgres:s3cret@127.0.0.1:1/sora2")
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await check_connection(engine)
    finally:
        await engine.dispose()
    assert "s3cret" not in str(caught.value)


async def test_repositories_on_an_unreachable_server_are_unavailable() -> None:
    engine = create_engine(UNREACHABLE_POSTGRES, connect_timeout=2)
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await SqlVideoStore(engine).get("any")
    finally:
        await engine.dispose()
    assert caught.value.retry_after == 1


async def test_migrate_on_an_unreachable_server_is_unavailable() -> None:
    with pytest.raises(ServiceUnavailable):
        await migrate(UNREACHABLE_POSTGRES)


async def test_a_dropped_postgres_connection_fails_one_call_then_recovers(
    tmp_path: Path, make_user: Callable[..., User]
) -> None:
    async with fresh_database("postgresql", tmp_path) as database_url:
        await migrate(database_url)
        engine = create_engine(database_url)
        try:
            await _drop_connections_under(engine, database_url, make_user)
        finally:
            await engine.dispose()


async def _drop_connections_under(
    engine: AsyncEngine, database_url: str, make_user: Callable[..., User]
) -> None:
    users = SqlUserRepository(engine)
    await users.add(make_user())  # a pooled connection now exists
    url = make_url(database_url)
    admin = await asyncpg.connect(
        url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    )
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()

    with pytest.raises(ServiceUnavailable, match="connection"):
        await users.count()
    assert await users.count() == 1
