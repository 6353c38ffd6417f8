"""Migrations: they build the schema `tables.py` describes, once, however often they run."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, make_url

from sora2.db.engine import create_engine
from sora2.db.migrate import alembic_config, current_revision, head_revision, migrate
from sora2.db.tables import metadata
from sora2.db.videos import SqlVideoStore


async def test_migrate_builds_the_schema_and_running_it_again_is_a_no_op(database_url: str) -> None:
    assert await current_revision(database_url) is None

    await migrate(database_url)
    await migrate(database_url)

    assert head_revision() == "0003"
    assert await current_revision(database_url) == "0003"
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert set(names) == {"alembic_version", "audit_log", "users", "videos", "webhook_deliveries"}


async def test_processes_starting_together_migrate_once(database_url: str) -> None:
    await asyncio.gather(*(migrate(database_url) for _ in range(4)))

    assert await current_revision(database_url) == head_revision()


# SQLAlchemy cannot reflect SQLite's lower(username) index; the other tests cover it.
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning",
    "ignore:autogenerate skipping metadata-specified expression-based index:UserWarning",
)
async def test_migrated_schema_matches_the_tables_module(database_url: str) -> None:
    await migrate(database_url)
    engine = create_engine(database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert diff == []


async def test_sqlite_connections_are_tuned_and_the_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "sora2.db"
    url = f"sqlite+aiosqlite:///{path}"
    await migrate(url)
    engine = create_engine(url, busy_timeout_ms=1234)
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()

    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 1234,
    }
    assert path.is_file()
    assert make_url(url).database == str(path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0003",)]


async def test_0002_upgrades_a_database_that_holds_videos(database_url: str) -> None:
    engine = create_engine(database_url)

    def upgrade_to(connection: Connection, revision: str) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade_to, "0001")
            await connection.execute(
                sa.text(
                    "INSERT INTO users (id, username, password_hash, is_admin, token_version,"
                    " created_at) VALUES ('u1', 'ann', 'h', false, 0, 1.0)"
                )
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO videos (id, user_id, provider, prompt, model, size, seconds,"
                    " status, progress, created_at, assets, attempts) VALUES ('v1', 'u1',"
                    " 'simulator', 'p', 'sora-2', '1280x720', 8, 'completed', 100, 2.0, '{}', 0)"
                )
            )
    finally:
        await engine.dispose()
    await migrate(database_url)

    engine = create_engine(database_url)
    try:
        video = await SqlVideoStore(engine).get("v1")
    finally:
        await engine.dispose()
    assert video is not None and video.provider == "simulator"
    assert (video.estimated_cost, video.cost, video.remix_strategy, video.upstream_model) == (
        None,
        None,
        None,
        None,
    )
