"""Schema migrations, run by the server at start and by CLI commands. No alembic.ini needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._errors import translate_errors
from sora2.db.engine import create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant shared by every sora2 process: pg_advisory_xact_lock(key) serialises migrations.
_PG_MIGRATION_LOCK_KEY = 0x50_52_41_32_4D_49_47  # "SORA2MIG"-ish


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing into the package (for `command.revision(...)` and friends)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escape
    return config


def head_revision() -> str | None:
    """The newest revision the package ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def current_revision(url: str) -> str | None:
    """The revision a database is at, or None when it was never migrated."""
    engine = create_engine(url)
    try:
        with translate_errors():
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
    finally:
        await engine.dispose()


async def migrate(url: str) -> None:
    """Upgrade the database at `url` to the newest schema; a no-op when it is already there.

    Safe when several processes start at once: PostgreSQL serialises them on an advisory lock,
    SQLite on its write lock (`BEGIN IMMEDIATE`); the later ones then find nothing to do.
    """
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _begin_immediately(engine)
    config = alembic_config()
    try:
        with translate_errors():
            async with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    # Held until this transaction commits: PostgreSQL's DDL is transactional,
                    # so the next process sees either nothing or the whole upgrade.
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": _PG_MIGRATION_LOCK_KEY},
                    )
                await connection.run_sync(_upgrade, config)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _begin_immediately(engine: AsyncEngine) -> None:
    """Make every transaction take SQLite's write lock up front (and so run its DDL atomically).

    The driver's own implicit BEGIN is deferred and skipped before DDL, which would let two
    processes interleave their CREATE TABLEs.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
