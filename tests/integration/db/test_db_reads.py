"""Reads: each sees every write committed before it, on both backends. On a SQLite file they
run on the engine's reader connections (one thread hop each), which never write and never wait
for a writer."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db.engine import create_engine, sqlite_reader
from sora2.db.repositories import SqlUserRepository, SqlVideoStore
from sora2.db.tables import metadata, users
from sora2.domain import User, Video


async def test_a_read_sees_the_write_just_before_it_even_under_concurrency(
    users: SqlUserRepository, make_user: Callable[..., User]
) -> None:
    stored = [make_user() for _ in range(8)]
    for user in stored:
        await users.add(user)

    async def bump_and_read(user: User) -> None:
        for expected in range(1, 6):
            await users.bump_token_version(user.id)
            read = await users.get(user.id)
            assert read is not None and read.token_version == expected

    await asyncio.gather(*(bump_and_read(user) for user in stored))


async def test_a_listed_page_sees_a_video_added_just_before(
    videos: SqlVideoStore, owner: User, make_video: Callable[..., Video]
) -> None:
    for n in range(20):
        video = make_video(owner.id, created_at=2_000_000_000.0 + n)
        await videos.add(video)
        page = await videos.list_for_user(owner.id, limit=5, offset=0)
        assert page[0].id == video.id
        assert await videos.get(video.id, user_id=owner.id) == video


def sqlite_path(engine: AsyncEngine) -> Path:
    return Path(str(engine.url.database))


async def test_sqlite_reads_do_not_wait_for_a_writer_holding_the_lock(
    engine: AsyncEngine,
    backend: str,
    users: SqlUserRepository,
    make_user: Callable[..., User],
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's single writer lock")
    alice = make_user()
    await users.add(alice)
    writer = sqlite3.connect(sqlite_path(engine), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock, like a long transaction
        writer.execute("UPDATE users SET token_version = 7 WHERE id = ?", (alice.id,))
        started = time.monotonic()
        read = await users.get(alice.id)
        assert time.monotonic() - started < 1.0  # busy_timeout is 5 s
        assert read is not None and read.token_version == 0  # not committed yet
        writer.execute("COMMIT")
    finally:
        writer.close()
    read = await users.get(alice.id)
    assert read is not None and read.token_version == 7


async def test_the_sqlite_reader_refuses_to_write(engine: AsyncEngine, backend: str) -> None:
    reader = sqlite_reader(engine)
    if backend != "sqlite":
        assert reader is None  # PostgreSQL reads go through the async engine
        return
    assert reader is not None
    with pytest.raises(sa_exc.OperationalError, match="readonly"):
        await reader.read(sa.delete(users).returning(users.c.id))


async def test_sqlite_reads_work_again_after_the_engine_is_disposed(
    engine: AsyncEngine, users: SqlUserRepository, make_user: Callable[..., User]
) -> None:
    alice = make_user()
    await users.add(alice)
    assert await users.get(alice.id) == alice
    await engine.dispose()
    assert await users.get(alice.id) == alice


async def test_an_in_memory_sqlite_database_serves_reads_from_its_one_connection() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        assert sqlite_reader(engine) is None
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        repository = SqlUserRepository(engine)
        alice = User(id="u-1", username="alice", password_hash="x", is_admin=False, created_at=1.0)
        await repository.add(alice)
        assert await repository.get(alice.id) == alice
    finally:
        await engine.dispose()
