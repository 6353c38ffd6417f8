"""Fixtures for the persistence tests: every test runs once per backend, on a fresh database.

contracts/ overrides `backend` to add the in-memory fakes, and the ports with it."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db.engine import create_engine
from sora2.db.migrate import migrate
from sora2.db.repositories import SqlJobQueue, SqlUserRepository, SqlVideoStore
from sora2.domain import User, Video, VideoStatus
from tests.support.databases import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty (unmigrated) database."""
    async with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a freshly migrated database, disposed before the database is dropped."""
    await migrate(database_url)
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def users(engine: AsyncEngine) -> SqlUserRepository:
    return SqlUserRepository(engine)


@pytest.fixture
def videos(engine: AsyncEngine) -> SqlVideoStore:
    return SqlVideoStore(engine)


@pytest.fixture
def queue(engine: AsyncEngine) -> SqlJobQueue:
    return SqlJobQueue(engine)


@pytest.fixture
def make_user() -> Callable[..., User]:
    """Build (not store) a user; keyword arguments override the defaults."""
    counter = itertools.count(1)

    def build(**overrides: Any) -> User:
        n = next(counter)
        fields: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "username": f"user{n}",
            "password_hash": f"$argon2id$hash-{n}",
            "is_admin": False,
            "created_at": time.time(),
        }
        fields.update(overrides)
        return User(**fields)

    return build


@pytest.fixture
def make_video() -> Callable[..., Video]:
    """Build (not store) a queued video for `user_id`; keyword arguments override the defaults."""
    counter = itertools.count(1)

    def build(user_id: str, **overrides: Any) -> Video:
        n = next(counter)
        fields: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "user_id": user_id,
            "prompt": f"a lighthouse at dusk, take {n}",
            "model": "sora-2",
            "size": "1280x720",
            "seconds": 8,
            "status": VideoStatus.QUEUED,
            "progress": 0,
            "created_at": 1_700_000_000.0 + n,
            "provider": "simulator",
        }
        fields.update(overrides)
        return Video(**fields)

    return build


@pytest.fixture
async def owner(users: SqlUserRepository, make_user: Callable[..., User]) -> User:
    """A stored user to own videos."""
    user = make_user(username="owner")
    await users.add(user)
    return user
