"""Engine construction: URLs people write, and an in-memory SQLite for quick experiments."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sora2.db.engine import create_engine, parse_database_url
from sora2.db.tables import metadata


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///data/sora2.db", "sqlite+aiosqlite:///data/sora2.db"),
        ("sqlite+aiosqlite:///data/sora2.db", "sqlite+aiosqlite:///data/sora2.db"),
        ("postgresql://sora:pw@db:5432/sora2", "postgresql+asyncpg://sora:pw@db:5432/sora2"),
        ("postgres://sora@db/sora2", "postgresql+asyncpg://sora@db/sora2"),
        ("postgresql+asyncpg://sora@db/sora2", "postgresql+asyncpg://sora@db/sora2"),
    ],
)
def test_urls_without_a_driver_get_the_async_one(written: str, used: str) -> None:
    assert parse_database_url(written).render_as_string(hide_password=False) == used


def test_an_unsupported_database_is_refused_without_leaking_the_password() -> None:
    with pytest.raises(ValueError, match="unsupported database URL") as caught:
        parse_database_url("mysql://root:hunter2@db/sora2")
    assert "hunter2" not in str(caught.value)


async def test_an_in_memory_sqlite_database_is_shared_by_the_engine() -> None:
    engine = create_engine("sqlite+aiosqlite://")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert {"users", "videos"} <= set(names)
