"""The SQL repositories, one module each; imported from here by the composition root."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sora2.db.users import SqlUserRepository
from sora2.db.videos import SqlVideoRepository
from sora2.db.webhooks import SqlWebhookDeliveryRepository

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from sora2.ports import UserRepository, VideoRepository, WebhookDeliveryRepository

    def _implements_the_ports(
        engine: AsyncEngine,
    ) -> tuple[UserRepository, VideoRepository, WebhookDeliveryRepository]:
        # mypy proves here that the classes match the Protocols in sora2.ports.
        return (
            SqlUserRepository(engine),
            SqlVideoRepository(engine),
            SqlWebhookDeliveryRepository(engine),
        )


__all__ = ["SqlUserRepository", "SqlVideoRepository", "SqlWebhookDeliveryRepository"]
