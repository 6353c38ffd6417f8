"""In-memory fakes of the ports, for tests that need no database, disk, network or real clock.

    from tests.support.fakes import FakeClock, MemoryVideoStore, VideoTable, ...

    table = VideoTable()  # one table for the three video ports, as one SQL table serves them
    store, queue, ledger = MemoryVideoStore(table), MemoryJobQueue(table), MemorySpendLedger(table)
    users = MemoryUserRepository(table)  # deleting a user deletes their videos

The video, queue, spend, user, audit and webhook fakes pass the same contract tests as the SQL
adapters (tests/integration/db/contracts/); none reads the real clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.fakes.accounts import (
    MemoryAuditRepository,
    MemoryUserRepository,
    MemoryWebhookDeliveries,
)
from tests.support.fakes.blobs import MemoryBlobStore
from tests.support.fakes.clock import FakeClock
from tests.support.fakes.events import RecordingEvents
from tests.support.fakes.videos import (
    MemoryJobQueue,
    MemorySpendLedger,
    MemoryVideoStore,
    VideoTable,
)

if TYPE_CHECKING:
    from sora2.ports import (
        AuditRepository,
        BlobStore,
        Clock,
        EventPublisher,
        JobQueue,
        SpendLedger,
        UserRepository,
        VideoStore,
        WebhookDeliveryRepository,
    )

    def _implements_the_ports(
        table: VideoTable,
    ) -> tuple[
        VideoStore,
        JobQueue,
        SpendLedger,
        UserRepository,
        AuditRepository,
        WebhookDeliveryRepository,
        BlobStore,
        EventPublisher,
        Clock,
    ]:
        # mypy proves here that the fakes match the Protocols in sora2.ports.
        return (
            MemoryVideoStore(table),
            MemoryJobQueue(table),
            MemorySpendLedger(table),
            MemoryUserRepository(table),
            MemoryAuditRepository(),
            MemoryWebhookDeliveries(),
            MemoryBlobStore(),
            RecordingEvents(),
            FakeClock(),
        )


__all__ = [
    "FakeClock",
    "MemoryAuditRepository",
    "MemoryBlobStore",
    "MemoryJobQueue",
    "MemorySpendLedger",
    "MemoryUserRepository",
    "MemoryVideoStore",
    "MemoryWebhookDeliveries",
    "RecordingEvents",
    "VideoTable",
]
