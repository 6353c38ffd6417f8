"""A locked or slow database answers REST requests 503 with Retry-After, never 500, and the same
request works again once the lock is gone. Both backends, with the lock held by a real second
session, as a migration, a backup or an operator's transaction would hold it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

BUSY_TIMEOUT = 0.5


pytestmark = pytest.mark.server_settings(database_busy_timeout_seconds=BUSY_TIMEOUT)


@contextmanager
def locked(database_url: str, backend: str, statement: str) -> Iterator[None]:
    """Hold `statement`'s lock in another session (SQLite: the write lock) until the end."""
    if backend == "sqlite":
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    url = make_url(database_url).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)
    ready, release, done = threading.Event(), threading.Event(), threading.Event()

    async def hold() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            async with connection.transaction():
                await connection.execute(statement)
                ready.set()
                while not release.is_set():
                    await connection.execute("SELECT pg_sleep(0.05)")
        finally:
            await connection.close()
            done.set()

    thread = threading.Thread(target=asyncio.run, args=(hold(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the lock was not taken"
    try:
        yield
    finally:
        release.set()
        assert done.wait(10)
        thread.join(10)


def assert_busy(response: httpx.Response, *, within: float, started: float) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "database" in response.json()["error"]
    assert time.monotonic() - started < within


def test_a_locked_database_answers_503_with_retry_after(
    admin: httpx.Client, database_url: str, backend: str
) -> None:
    form = {"prompt": "while the table is locked", "seconds": "4"}
    with locked(database_url, backend, "LOCK TABLE videos IN ACCESS EXCLUSIVE MODE"):
        started = time.monotonic()
        assert_busy(admin.post("/api/videos", data=form), within=15, started=started)
        if backend == "postgresql":  # SQLite's readers never wait (WAL)
            started = time.monotonic()
            assert_busy(admin.get("/api/videos"), within=15, started=started)
    assert admin.post("/api/videos", data=form).status_code == 201
    assert len(admin.get("/api/videos").json()["videos"]) == 1


def test_a_row_held_by_a_slow_transaction_answers_503(
    admin: httpx.Client, database_url: str, backend: str
) -> None:
    video = admin.post("/api/videos", data={"prompt": "held", "seconds": "4"}).json()
    # A long transaction that has touched the row: the delete must wait for it.
    with locked(database_url, backend, "SELECT id FROM videos FOR UPDATE"):
        started = time.monotonic()
        assert_busy(admin.delete(f"/api/videos/{video['id']}"), within=15, started=started)
    assert admin.delete(f"/api/videos/{video['id']}").status_code in (200, 204)
