"""The suite's database helper (tests/support/databases.py) keeps its promises."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from sora2.db.migrate import current_revision, head_revision, migrate
from tests.support.databases import fresh_database, fresh_database_sync, postgres_admin_url


async def _postgres_databases() -> set[str]:
    dsn = postgres_admin_url().set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT datname FROM pg_database")
    finally:
        await connection.close()
    return {row["datname"] for row in rows}


async def test_each_database_is_new_and_empty_and_a_postgres_one_is_dropped_after(
    backend: str, tmp_path: Path
) -> None:
    async with (
        fresh_database(backend, tmp_path) as first,
        fresh_database(backend, tmp_path) as second,
    ):
        assert first != second
        assert await current_revision(first) is None
        await migrate(first)
        assert await current_revision(second) is None

    if backend == "postgresql":
        names = {make_url(url).database for url in (first, second)}
        assert not names & await _postgres_databases()


def test_the_sync_variant_works_without_an_event_loop(backend: str, tmp_path: Path) -> None:
    with fresh_database_sync(backend, tmp_path) as url:
        assert url.startswith(("sqlite+aiosqlite:///", "postgresql+asyncpg://"))


async def test_the_sync_variant_works_inside_a_running_event_loop(
    backend: str, tmp_path: Path
) -> None:
    with fresh_database_sync(backend, tmp_path) as url:
        await migrate(url)
        assert await current_revision(url) == head_revision()


async def test_an_unreachable_postgres_fails_the_test_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SORA2_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/x")

    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is required by the test suite"):
        async with fresh_database("postgresql", tmp_path):
            pass
