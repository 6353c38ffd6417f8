"""`VideoRepository` on SQLAlchemy Core: one statement per call, leases for the tracker."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._rows import assets_to_json, video_from_row, video_values
from sora2.db._sql import Sql
from sora2.db.tables import ACTIVE_STATUSES, videos
from sora2.domain import Video
from sora2.domain.video import predecessors
from sora2.ports import VideoChanges

# Columns written straight from VideoChanges fields of the same name (when not None).
_PLAIN_CHANGES = tuple(
    f.name
    for f in dataclasses.fields(VideoChanges)
    if f.name not in {"status", "assets", "release_lease"}
)
# Rendered inline (not as bind parameters) so the planners can match the partial due index.
_ACTIVE: sa.BindParameter[Any] = sa.bindparam(
    "active_statuses", ACTIVE_STATUSES, expanding=True, literal_execute=True
)
_IN_CHUNK = 500


class SqlVideoRepository:
    """Videos in SQLite or PostgreSQL; the rows the tracker leases (see ARCHITECTURE.md §5)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sql = Sql(engine)

    async def add(self, video: Video) -> None:
        await self._sql.write(sa.insert(videos).values(video_values(video)))

    async def get(self, video_id: str, *, user_id: str | None = None) -> Video | None:
        statement = sa.select(videos).where(videos.c.id == video_id)
        if user_id is not None:
            statement = statement.where(videos.c.user_id == user_id)
        rows = await self._sql.read(statement)
        return video_from_row(rows[0]) if rows else None

    async def list_for_user(self, user_id: str, *, limit: int, offset: int) -> Sequence[Video]:
        statement = (
            sa.select(videos)
            .where(videos.c.user_id == user_id)
            .order_by(videos.c.created_at.desc(), videos.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [video_from_row(row) for row in await self._sql.read(statement)]

    async def delete(self, video_id: str) -> Video | None:
        statement = sa.delete(videos).where(videos.c.id == video_id).returning(*videos.c)
        rows = await self._sql.write(statement)
        return video_from_row(rows[0]) if rows else None

    async def claim_due(
        self, *, owner: str, now: float, lease_seconds: float, limit: int
    ) -> Sequence[Video]:
        """Lease up to `limit` due, active, unleased videos to `owner`, most overdue first.

        One statement: on PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so
        concurrent claimers split the rows instead of waiting on (or sharing) each other's;
        SQLite has a single writer, and SQLAlchemy renders no FOR UPDATE there.
        """
        if limit <= 0:
            return []
        due = videos.alias("due")
        candidates = (
            sa.select(due.c.id)
            .where(
                due.c.status.in_(_ACTIVE),
                due.c.next_due_at <= now,
                sa.or_(due.c.lease_until.is_(None), due.c.lease_until < now),
            )
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

    async def apply(
        self, video_id: str, changes: VideoChanges, *, owner: str | None = None
    ) -> Video | None:
        """Write `changes` in one conditional UPDATE; None when the row refused them.

        Refused means: the row is gone, `owner` no longer holds the lease, or the row's status
        cannot move to `changes.status` (a finished video never goes back to in_progress).
        """
        conditions: list[sa.ColumnElement[bool]] = [videos.c.id == video_id]
        if owner is not None:
            conditions.append(videos.c.lease_owner == owner)
        if changes.status is not None:
            allowed = sorted(status.value for status in predecessors(changes.status))
            conditions.append(videos.c.status.in_(allowed))

        values = _values_of(changes)
        if not values:  # nothing to write: report whether the write would have been accepted
            rows = await self._sql.read(sa.select(videos).where(*conditions))
        else:
            rows = await self._sql.write(
                sa.update(videos).where(*conditions).values(values).returning(*videos.c)
            )
        return video_from_row(rows[0]) if rows else None

    async def upstream_ids_in_use(self, upstream_ids: Sequence[str]) -> set[str]:
        wanted = sorted(set(upstream_ids))
        found: set[str] = set()
        # Chunked to stay far below the drivers' bind-parameter limits; one query in practice.
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            statement = sa.select(videos.c.upstream_id).where(videos.c.upstream_id.in_(chunk))
            found.update(row[0] for row in await self._sql.read(statement.distinct()))
        return found


def _values_of(changes: VideoChanges) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: value for name in _PLAIN_CHANGES if (value := getattr(changes, name)) is not None
    }
    if changes.status is not None:
        values["status"] = changes.status.value
    if changes.assets is not None:
        values["assets"] = assets_to_json(changes.assets)
    if changes.release_lease:
        values["lease_owner"] = None
        values["lease_until"] = None
    return values
