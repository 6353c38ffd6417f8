"""Alembic environment.

`sora2.db.migrate` hands over a connection (already in a transaction and, on PostgreSQL,
holding the migration lock) through `config.attributes["connection"]`. Run standalone (for
`alembic revision --autogenerate` while developing, see `sora2.db.migrate.alembic_config`) it
opens its own async engine on `sqlalchemy.url` or `SORA2_DATABASE_URL`.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from sora2.db.engine import create_engine
from sora2.db.tables import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("SORA2_DATABASE_URL")
    if not url:
        raise RuntimeError("set sqlalchemy.url or SORA2_DATABASE_URL to run migrations")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: autogenerate table-rebuilding batch operations.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone() -> None:
    engine = create_engine(_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    _run(shared)
else:
    asyncio.run(_run_standalone())
