"""`JobQueue` on SQLAlchemy Core: the active video rows as the tracker's queue of work.

A worker leases due rows in one statement, takes an upstream slot in another, and gives its
leases back when it stops (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._rows import video_from_row
from sora2.db._sql import Sql, lock_key
from sora2.db.tables import ACTIVE_STATUS_LIST, videos
from sora2.domain import Video, VideoStatus


class SqlJobQueue:
    """Leases, upstream slots and counts of the active videos in SQLite or PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sql = Sql(engine)

    async def claim_due(
        self,
        *,
        owner: str,
        now: float,
        lease_seconds: float,
        limit: int,
        submitted: bool | None = None,
        due_by: float | None = None,
    ) -> Sequence[Video]:
        """Lease up to `limit` active, unleased videos due by `due_by` (default `now`) to
        `owner`, most overdue first; with `submitted`, only those with (True) or without (False)
        an upstream id.

        One statement: on PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so
        concurrent claimers split the rows instead of waiting on (or sharing) each other's;
        SQLite has a single writer, and SQLAlchemy renders no FOR UPDATE there.
        """
        if limit <= 0:
            return []
        due = videos.alias("due")
        conditions = [
            due.c.status.in_(ACTIVE_STATUS_LIST),
            due.c.next_due_at <= (now if due_by is None else due_by),
            sa.or_(due.c.lease_until.is_(None), due.c.lease_until < now),
        ]
        if submitted is not None:
            has_id = due.c.upstream_id.is_not(None)
            conditions.append(has_id if submitted else ~has_id)
        candidates = (
            sa.select(due.c.id)
            .where(*conditions)
            .order_by(due.c.next_due_at, due.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            sa.update(videos)
            .where(videos.c.id.in_(candidates))
            .values(lease_owner=owner, lease_until=now + lease_seconds)
            .returning(*videos.c)
        )
        claimed = [video_from_row(row) for row in await self._sql.write(statement)]
        # RETURNING promises no order.
        claimed.sort(key=lambda video: (video.next_due_at or 0.0, video.id))
        return claimed

    async def release_leases(self, *, owners: Sequence[str]) -> int:
        """Clear every lease these owners hold, so the rows are claimable at once."""
        if not owners:
            return 0
        statement = (
            sa.update(videos)
            .where(videos.c.lease_owner.in_(sorted(set(owners))))
            .values(lease_owner=None, lease_until=None)
            .returning(videos.c.id)
        )
        return len(await self._sql.write(statement))

    async def admit(
        self,
        video_id: str,
        *,
        owner: str,
        providers: Sequence[str],
        limit: int | None,
        now: float,
    ) -> Video | None:
        """Take an upstream slot in one conditional UPDATE (see `JobQueue.admit`).

        The count of videos in flight and the check for an older one waiting run inside the
        UPDATE; on PostgreSQL an advisory lock per set of providers serialises the admissions,
        so two processes cannot both see the last free slot."""
        conditions: list[sa.ColumnElement[bool]] = [
            videos.c.id == video_id,
            videos.c.lease_owner == owner,
            videos.c.status == VideoStatus.QUEUED.value,
            videos.c.upstream_id.is_(None),
            videos.c.submit_started_at.is_(None),
        ]
        if limit is not None:
            busy = videos.alias("busy")
            in_flight = (
                sa.select(sa.func.count())
                .select_from(busy)
                .where(
                    busy.c.provider.in_(providers),
                    busy.c.status.in_(ACTIVE_STATUS_LIST),
                    busy.c.submit_started_at.is_not(None),
                )
                .scalar_subquery()
            )
            ahead = videos.alias("ahead")
            older_waiting = (
                sa.select(ahead.c.id)
                .where(
                    ahead.c.provider.in_(providers),
                    ahead.c.status.in_(ACTIVE_STATUS_LIST),
                    ahead.c.submit_started_at.is_(None),
                    ahead.c.upstream_id.is_(None),
                    sa.or_(
                        ahead.c.created_at < videos.c.created_at,
                        sa.and_(
                            ahead.c.created_at == videos.c.created_at, ahead.c.id < videos.c.id
                        ),
                    ),
                )
                .correlate(videos)
            )
            conditions += [in_flight < limit, ~sa.exists(older_waiting)]
        statement = (
            sa.update(videos).where(*conditions).values(submit_started_at=now).returning(*videos.c)
        )
        rows = await self._sql.write_serialized(lock_key("admit", *providers), statement)
        return video_from_row(rows[0]) if rows else None

    async def count_active(self, user_id: str) -> int:
        statement = sa.select(sa.func.count()).where(
            videos.c.user_id == user_id, videos.c.status.in_(ACTIVE_STATUS_LIST)
        )
        rows = await self._sql.read(statement)
        return int(rows[0][0])
