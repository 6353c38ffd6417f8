"""Async engines for SQLite (one machine) and PostgreSQL (many), tuned for this workload."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, Row, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.sql import Executable

from sora2.errors import ServiceUnavailable

DEFAULT_BUSY_TIMEOUT_MS = 5000
_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_WAL_ATTEMPTS = 5
_SQLITE_BUSY = 5
# The reader of each SQLite file engine, found by `sqlite_reader(engine)`.
_READERS: weakref.WeakKeyDictionary[Engine, SqliteReader] = weakref.WeakKeyDictionary()


def create_engine(
    url: str,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    pool_size: int = 10,
    max_overflow: int = 10,
    pool_timeout: float = 10.0,
    connect_timeout: float = 10.0,
    statement_timeout_ms: int | None = None,
    echo: bool = False,
) -> AsyncEngine:
    """An engine for `sqlite+aiosqlite:///path` or `postgresql+asyncpg://...`.

    A URL without a driver (`sqlite:///...`, `postgresql://...`) gets the async one.
    SQLite: every connection gets WAL, `synchronous=NORMAL` (durable across a process crash, and
    ~10x the commit rate of FULL), `busy_timeout` and foreign keys; the parent folder is created.
    A file database also gets a `SqliteReader` for lone queries (`sqlite_reader(engine)`).
    `busy_timeout_ms` is how long a writer waits for the lock before `ServiceUnavailable`.
    PostgreSQL: a bounded pool; a pool that stays exhausted for `pool_timeout` seconds, or a
    server that does not answer within `connect_timeout`, surfaces as `ServiceUnavailable`; so
    does a statement that waits for a lock longer than `busy_timeout_ms` (a table locked by a
    migration or an operator) or, if set, runs longer than `statement_timeout_ms`.
    """
    parsed = parse_database_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _create_sqlite_engine(
            parsed,
            busy_timeout_ms=busy_timeout_ms,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
        )
    if backend == "postgresql":
        # No pool_pre_ping: it costs a round trip per checkout. A connection that died anyway
        # fails one call with ServiceUnavailable and invalidates the pool, which then refills.
        return create_async_engine(
            parsed,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            pool_recycle=1800,
            connect_args={
                "timeout": connect_timeout,
                "server_settings": _pg_settings(busy_timeout_ms, statement_timeout_ms),
            },
        )
    raise AssertionError(backend)  # parse_database_url() admits nothing else


def _pg_settings(lock_timeout_ms: int, statement_timeout_ms: int | None) -> dict[str, str]:
    settings = {"application_name": "sora2", "lock_timeout": str(int(lock_timeout_ms))}
    if statement_timeout_ms is not None:
        settings["statement_timeout"] = str(int(statement_timeout_ms))
    return settings


def parse_database_url(url: str) -> URL:
    """Parse `url`, choosing the async driver when none is named (`postgresql://` works too)."""
    if url.startswith("postgres://"):  # the spelling of Heroku and friends
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.get_backend_name())
    if driver is None:
        raise ValueError(
            f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
            "use sqlite+aiosqlite:///path/to/sora2.db or postgresql+asyncpg://user@host/db"
        )
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=f"{parsed.drivername}+{driver}")
    return parsed


def _create_sqlite_engine(
    url: URL, *, busy_timeout_ms: int, echo: bool, **pool_options: Any
) -> AsyncEngine:
    database = url.database or ""
    in_memory = database in ("", ":memory:")
    if in_memory:
        # The dialect's StaticPool: one shared connection, hence one database.
        engine = create_async_engine(url, echo=echo)
    else:
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers on other pooled connections proceed while one of them writes.
        engine = create_async_engine(url, echo=echo, **pool_options)
        reader = SqliteReader(
            url, busy_timeout_ms=busy_timeout_ms, threads=pool_options["pool_size"], echo=echo
        )
        _READERS[engine.sync_engine] = reader
        event.listen(engine.sync_engine, "engine_disposed", lambda _engine: reader.close())

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first, so that switching to WAL waits for a busy file too.
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
            if not in_memory:
                _enable_wal(cursor)
        finally:
            cursor.close()

    return engine


class SqliteReader:
    """Runs a query on a SQLite file through the sync driver, in one thread hop.

    Through aiosqlite a query is five thread hops (cursor, execute, fetch, close, the pool's
    rollback), each with greenlet switches, which cost far more than an indexed read itself.
    Here the whole checkout-execute-fetch runs in one worker thread, on connections of their
    own (WAL: a read sees every committed write and never waits for a writer), which are
    `query_only` so that nothing is ever written through them. The rows are SQLAlchemy's.
    """

    def __init__(self, url: URL, *, busy_timeout_ms: int, threads: int, echo: bool) -> None:
        self._engine = create_sync_engine(
            url.set(drivername="sqlite+pysqlite"),
            echo=echo,
            pool_size=threads,
            max_overflow=0,  # one connection per worker thread is all that can be in use
        )
        self._threads = threads
        self._executor: ThreadPoolExecutor | None = None

        @event.listens_for(self._engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                cursor.execute("PRAGMA query_only = ON")
            finally:
                cursor.close()

    async def read(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """All the rows of a query (raising SQLAlchemy's errors, as the async engine does)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._threads, thread_name_prefix="sora2-read")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._read, statement, params)

    def _read(self, statement: Executable, params: Mapping[str, Any] | None) -> Sequence[Row[Any]]:
        with self._engine.connect() as connection:
            return connection.execute(statement, params).all()

    def close(self) -> None:
        """Close the connections and stop the threads (started again by the next read)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)
        self._engine.dispose()


def sqlite_reader(engine: AsyncEngine) -> SqliteReader | None:
    """The one-hop reader of a SQLite file engine; None for PostgreSQL and in-memory SQLite."""
    return _READERS.get(engine.sync_engine)


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (a no-op once it is: the mode is stored in the file).

    Converting a new database needs an exclusive lock, and when two connections try at once
    SQLite fails one of them immediately instead of waiting `busy_timeout`, to avoid a deadlock.
    That connection's retry then waits normally, so a few attempts are enough.
    """
    for attempt in range(_WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = exc.sqlite_errorcode & 0xFF == _SQLITE_BUSY
            if not busy or attempt == _WAL_ATTEMPTS - 1:
                raise


async def check_connection(engine: AsyncEngine) -> None:
    """Raise `ServiceUnavailable` with a readable message unless the database answers."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (OSError, sa_exc.SQLAlchemyError) as exc:
        detail = getattr(exc, "orig", None) or exc
        raise ServiceUnavailable(
            f"cannot reach the database at {where}: {detail}", retry_after=1
        ) from exc


async def ping(engine: AsyncEngine) -> None:
    """One `SELECT 1`; raises what the driver raises when the database does not answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
