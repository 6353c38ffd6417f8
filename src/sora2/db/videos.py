"""`VideoStore` on SQLAlchemy Core: one statement per call, each write under the status machine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._rows import changes_values, video_from_row, video_values
from sora2.db._sql import Sql
from sora2.db.tables import videos
from sora2.domain import Video, VideoStatus
from sora2.domain.video import predecessors
from sora2.ports import VideoChanges

_IN_CHUNK = 500
# The hot reads, built once: building a statement costs more than SQLAlchemy's (cached)
# compilation of it. Their values are bound at execution.
_BY_ID = sa.select(videos).where(videos.c.id == sa.bindparam("video_id"))
_BY_ID_AND_OWNER = _BY_ID.where(videos.c.user_id == sa.bindparam("user_id"))
_PAGE = (
    sa.select(videos)
    .where(videos.c.user_id == sa.bindparam("user_id"))
    .order_by(videos.c.created_at.desc(), videos.c.id.desc())
    .limit(sa.bindparam("limit", type_=sa.Integer))
    .offset(sa.bindparam("offset", type_=sa.Integer))
)
# Rows per batched UPDATE: a few bind parameters each, far below the drivers' limits.
_BATCH_CHUNK = 200


class SqlVideoStore:
    """Videos in SQLite or PostgreSQL; writes are refused when the lease or the status machine
    says no (docs/architecture.md)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sql = Sql(engine)

    async def add(self, video: Video) -> None:
        await self._sql.write(sa.insert(videos).values(video_values(video)))

    async def get(self, video_id: str, *, user_id: str | None = None) -> Video | None:
        if user_id is None:
            rows = await self._sql.read(_BY_ID, {"video_id": video_id})
        else:
            params = {"video_id": video_id, "user_id": user_id}
            rows = await self._sql.read(_BY_ID_AND_OWNER, params)
        return video_from_row(rows[0]) if rows else None

    async def list_for_user(
        self,
        user_id: str,
        *,
        limit: int,
        offset: int,
        status: VideoStatus | None = None,
        prompt_contains: str | None = None,
        remixed_from: str | None = None,
    ) -> Sequence[Video]:
        conditions: list[sa.ColumnElement[bool]] = []
        if status is not None:
            conditions.append(videos.c.status == status.value)
        if prompt_contains:
            # ILIKE on PostgreSQL; lower() LIKE lower() on SQLite (ASCII case folding only).
            # autoescape: '%' and '_' in the text are matched literally.
            conditions.append(videos.c.prompt.icontains(prompt_contains, autoescape=True))
        if remixed_from is not None:
            conditions.append(videos.c.remixed_from == remixed_from)
        statement = _PAGE.where(*conditions) if conditions else _PAGE
        params = {"user_id": user_id, "limit": limit, "offset": offset}
        return [video_from_row(row) for row in await self._sql.read(statement, params)]

    async def delete(self, video_id: str) -> Video | None:
        statement = sa.delete(videos).where(videos.c.id == video_id).returning(*videos.c)
        rows = await self._sql.write(statement)
        return video_from_row(rows[0]) if rows else None

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

        values = changes_values(changes)
        if not values:  # nothing to write: report whether the write would have been accepted
            rows = await self._sql.read(sa.select(videos).where(*conditions))
        else:
            rows = await self._sql.write(
                sa.update(videos).where(*conditions).values(values).returning(*videos.c)
            )
        return video_from_row(rows[0]) if rows else None

    async def apply_many(
        self, changes: Sequence[tuple[str, VideoChanges]], *, owner: str
    ) -> Sequence[Video]:
        """`apply` for many rows in one transaction: one UPDATE per kind of change (same target
        status, same columns), its per-row values picked by CASE on the id. Each row is written
        only while `owner` holds its lease and its status may move to the new one."""
        groups: dict[tuple[str | None, tuple[str, ...]], list[tuple[str, dict[str, Any]]]] = {}
        for video_id, change in changes:
            values = changes_values(change)
            if not values:
                continue
            status = None if change.status is None else change.status.value
            groups.setdefault((status, tuple(sorted(values))), []).append((video_id, values))
        statements: list[sa.Update] = []
        for (status, columns), rows in groups.items():
            for start in range(0, len(rows), _BATCH_CHUNK):
                chunk = rows[start : start + _BATCH_CHUNK]
                statements.append(_batch_update(status, columns, chunk, owner))
        written = await self._sql.write_all(statements)
        return [video_from_row(row) for row in written]

    async def upstream_ids_in_use(self, upstream_ids: Sequence[str]) -> set[str]:
        wanted = sorted(set(upstream_ids))
        found: set[str] = set()
        # Chunked to stay far below the drivers' bind-parameter limits; one query in practice.
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            statement = sa.select(videos.c.upstream_id).where(videos.c.upstream_id.in_(chunk))
            found.update(row[0] for row in await self._sql.read(statement.distinct()))
        return found

    async def find_by_upstream_id(
        self, upstream_id: str, *, providers: Sequence[str]
    ) -> Video | None:
        statement = (
            sa.select(videos)
            .where(videos.c.upstream_id == upstream_id, videos.c.provider.in_(providers))
            .limit(1)
        )
        rows = await self._sql.read(statement)
        return video_from_row(rows[0]) if rows else None


def _batch_update(
    status: str | None, columns: tuple[str, ...], rows: list[tuple[str, dict[str, Any]]], owner: str
) -> sa.Update:
    ids = [video_id for video_id, _values in rows]
    conditions: list[sa.ColumnElement[bool]] = [
        videos.c.id.in_(ids),
        videos.c.lease_owner == owner,
    ]
    if status is not None:
        allowed = sorted(s.value for s in predecessors(VideoStatus(status)))
        conditions.append(videos.c.status.in_(allowed))
    assignments: dict[str, Any] = {}
    for column in columns:
        distinct = {repr(values[column]) for _id, values in rows}
        if len(distinct) == 1:  # the same for every row (a released lease, a shared due time)
            assignments[column] = rows[0][1][column]
            continue
        target = videos.c[column]
        whens = {
            video_id: sa.literal(values[column], type_=target.type) for video_id, values in rows
        }
        assignments[column] = sa.case(whens, value=videos.c.id, else_=target)
    return sa.update(videos).where(*conditions).values(assignments).returning(*videos.c)
