"""`WebhookDeliveryRepository`: the webhook ids seen lately, shared by every process."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._sql import Sql
from sora2.db.tables import webhook_deliveries


class SqlWebhookDeliveryRepository:
    """Deliveries in SQLite or PostgreSQL; an id recorded twice is a duplicate or a replay."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sql = Sql(engine)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def remember(
        self, delivery_id: str, *, provider: str, now: float, forget_before: float
    ) -> bool:
        await self._sql.write(
            sa.delete(webhook_deliveries).where(webhook_deliveries.c.received_at < forget_before)
        )
        statement = (
            self._insert(webhook_deliveries)
            .values(id=delivery_id, provider=provider, received_at=now)
            .on_conflict_do_nothing(index_elements=[webhook_deliveries.c.id])
            .returning(webhook_deliveries.c.id)
        )
        return bool(await self._sql.write(statement))

    async def last_received(self, provider: str) -> float | None:
        statement = sa.select(sa.func.max(webhook_deliveries.c.received_at)).where(
            webhook_deliveries.c.provider == provider
        )
        rows = await self._sql.read(statement)
        return None if rows[0][0] is None else float(rows[0][0])
