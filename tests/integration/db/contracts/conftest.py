"""The ports' contract: each test runs on every implementation, SQL (SQLite, PostgreSQL, each on
a fresh migrated database) and the in-memory fakes of tests/support/fakes.

Tests here take the ports (`store`, `queue`, `ledger`, `users`, `audit`, `deliveries`), typed as
the Protocols, so they can only assert what every implementation promises. What only a database
shows (migrations, locking across connections, driver errors) stays in ../test_db_*.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sora2.db.engine import create_engine
from sora2.db.migrate import migrate
from sora2.db.repositories import (
    SqlAuditRepository,
    SqlJobQueue,
    SqlSpendLedger,
    SqlUserRepository,
    SqlVideoStore,
    SqlWebhookDeliveryRepository,
)
from sora2.ports import (
    AuditRepository,
    JobQueue,
    SpendLedger,
    UserRepository,
    VideoStore,
    WebhookDeliveryRepository,
)
from tests.support.databases import BACKENDS, fresh_database
from tests.support.fakes import (
    MemoryAuditRepository,
    MemoryJobQueue,
    MemorySpendLedger,
    MemoryUserRepository,
    MemoryVideoStore,
    MemoryWebhookDeliveries,
    VideoTable,
)

CONTRACT_BACKENDS = (*BACKENDS, "memory")


@dataclass(frozen=True, slots=True)
class Ports:
    """One implementation of every persistence port, over one shared store of rows."""

    store: VideoStore
    queue: JobQueue
    ledger: SpendLedger
    users: UserRepository
    audit: AuditRepository
    deliveries: WebhookDeliveryRepository


@pytest.fixture(params=CONTRACT_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def ports(backend: str, tmp_path: Path) -> AsyncIterator[Ports]:
    if backend == "memory":
        table = VideoTable()
        yield Ports(
            store=MemoryVideoStore(table),
            queue=MemoryJobQueue(table),
            ledger=MemorySpendLedger(table),
            users=MemoryUserRepository(table),
            audit=MemoryAuditRepository(),
            deliveries=MemoryWebhookDeliveries(),
        )
        return
    # As ../conftest.py's `engine`: a fresh database, migrated, its engine disposed before the
    # database is dropped.
    async with fresh_database(backend, tmp_path) as url:
        await migrate(url)
        engine = create_engine(url)
        try:
            yield Ports(
                store=SqlVideoStore(engine),
                queue=SqlJobQueue(engine),
                ledger=SqlSpendLedger(engine),
                users=SqlUserRepository(engine),
                audit=SqlAuditRepository(engine),
                deliveries=SqlWebhookDeliveryRepository(engine),
            )
        finally:
            await engine.dispose()


@pytest.fixture
def store(ports: Ports) -> VideoStore:
    return ports.store


@pytest.fixture
def queue(ports: Ports) -> JobQueue:
    return ports.queue


@pytest.fixture
def ledger(ports: Ports) -> SpendLedger:
    return ports.ledger


@pytest.fixture
def users(ports: Ports) -> UserRepository:
    """Overrides ../conftest.py's, so its `owner` is stored by the backend under test too."""
    return ports.users


@pytest.fixture
def audit(ports: Ports) -> AuditRepository:
    return ports.audit


@pytest.fixture
def deliveries(ports: Ports) -> WebhookDeliveryRepository:
    return ports.deliveries
