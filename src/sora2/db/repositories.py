"""The SQL repositories, one module each; imported from here by the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sora2.db.audit import SqlAuditRepository
from sora2.db.users import SqlUserRepository
from sora2.db.videos import SqlVideoRepository
from sora2.db.webhooks import SqlWebhookDeliveryRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from sora2.ports import (
        AuditRepository,
        UserRepository,
        VideoRepository,
        WebhookDeliveryRepository,
    )

    def _implements_the_ports(
        engine: AsyncEngine,
    ) -> tuple[AuditRepository, UserRepository, VideoRepository, WebhookDeliveryRepository]:
        # mypy proves here that the classes match the Protocols in sora2.ports.
        return (
            SqlAuditRepository(engine),
            SqlUserRepository(engine),
            SqlVideoRepository(engine),
            SqlWebhookDeliveryRepository(engine),
        )


__all__ = [
    "SqlAuditRepository",
    "SqlUserRepository",
    "SqlVideoRepository",
    "SqlWebhookDeliveryRepository",
]
