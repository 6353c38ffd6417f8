"""The SQL repositories, one module each; imported from here by the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sora2.db.audit import SqlAuditRepository
from sora2.db.queue import SqlJobQueue
from sora2.db.spend import SqlSpendLedger
from sora2.db.users import SqlUserRepository
from sora2.db.videos import SqlVideoStore
from sora2.db.webhooks import SqlWebhookDeliveryRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from sora2.ports import (
        AuditRepository,
        JobQueue,
        SpendLedger,
        UserRepository,
        VideoStore,
        WebhookDeliveryRepository,
    )


if TYPE_CHECKING:

    def _implements_the_ports(
        engine: AsyncEngine,
    ) -> tuple[
        AuditRepository,
        UserRepository,
        VideoStore,
        JobQueue,
        SpendLedger,
        WebhookDeliveryRepository,
    ]:
        # mypy proves here that the classes match the Protocols in sora2.ports.
        return (
            SqlAuditRepository(engine),
            SqlUserRepository(engine),
            SqlVideoStore(engine),
            SqlJobQueue(engine),
            SqlSpendLedger(engine),
            SqlWebhookDeliveryRepository(engine),
        )


__all__ = [
    "SqlAuditRepository",
    "SqlJobQueue",
    "SqlSpendLedger",
    "SqlUserRepository",
    "SqlVideoStore",
    "SqlWebhookDeliveryRepository",
]
