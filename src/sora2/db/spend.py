"""`SpendLedger` on SQLAlchemy Core: what the videos cost, summed in the database."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._sql import Sql
from sora2.db.tables import videos
from sora2.domain import VideoStatus

# What a video costs: its final cost once known, else its estimate; failed videos cost nothing.
_AMOUNT = sa.func.coalesce(videos.c.cost, videos.c.estimated_cost, 0.0)


class SqlSpendLedger:
    """Spending read from the video rows in SQLite or PostgreSQL (no table of its own)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sql = Sql(engine)

    async def spend(self, *, user_id: str | None, since: float | None = None) -> tuple[float, int]:
        statement = sa.select(
            sa.func.coalesce(sa.func.sum(_AMOUNT), 0.0).label("total"),
            sa.func.count().label("count"),
        ).where(*_spend_conditions(user_id, since))
        row = (await self._sql.read(statement))[0]._mapping
        return float(row["total"]), int(row["count"])

    async def spend_by_video(self, user_id: str, *, since: float) -> Sequence[tuple[float, float]]:
        statement = sa.select(videos.c.created_at, _AMOUNT.label("amount")).where(
            *_spend_conditions(user_id, since)
        )
        rows = await self._sql.read(statement)
        return [(float(row.created_at), float(row.amount)) for row in rows]


def _spend_conditions(user_id: str | None, since: float | None) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [videos.c.status != VideoStatus.FAILED.value]
    if user_id is not None:
        conditions.append(videos.c.user_id == user_id)
    if since is not None:
        conditions.append(videos.c.created_at >= since)
    return conditions
