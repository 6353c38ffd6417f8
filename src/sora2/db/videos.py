"""`VideoRepository` on SQLAlchemy Core: one statement per call, leases for the tracker."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._rows import assets_to_json, video_from_row, video_values
from sora2.db._sql import Sql
from sora2.db.tables import ACTIVE_STATUSES, videos
from sora2.domain import Video, VideoStatus
from sora2.domain.video import predecessors
from sora2.ports import VideoChanges

# Columns written straight from VideoChanges fields of the same name (when not None).
_PLAIN_CHANGES = tuple(
    f.name
    for f in dataclasses.fields(VideoChanges)
    if f.name not in {"status", "assets", "release_lease", "clear_submit"}
)
# Rendered inline (not as bind parameters) so the planners can match the partial due index.
_ACTIVE: sa.BindParameter[Any] = sa.bindparam(
    "active_statuses", ACTIVE_STATUSES, expanding=True, literal_execute=True
)
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


class SqlVideoRepository:
    """Videos in SQLite or PostgreSQL; the rows the tracker leases (see ARCHITECTURE.md §5)."""

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
            due.c.status.in_(_ACTIVE),
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

    async def apply_many(
        self, changes: Sequence[tuple[str, VideoChanges]], *, owner: str
    ) -> Sequence[Video]:
        """`apply` for many rows in one transaction: one UPDATE per kind of change (same target
        status, same columns), its per-row values picked by CASE on the id. Each row is written
        only while `owner` holds its lease and its status may move to the new one."""
        groups: dict[tuple[str | None, tuple[str, ...]], list[tuple[str, dict[str, Any]]]] = {}
        for video_id, change in changes:
            values = _values_of(change)
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

    async def upstream_ids_in_use(self, upstream_ids: Sequence[str]) -> set[str]:
        wanted = sorted(set(upstream_ids))
        found: set[str] = set()
        # Chunked to stay far below the drivers' bind-parameter limits; one query in practice.
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            statement = sa.select(videos.c.upstream_id).where(videos.c.upstream_id.in_(chunk))
            found.update(row[0] for row in await self._sql.read(statement.distinct()))
        return found

    async def admit(
        self,
        video_id: str,
        *,
        owner: str,
        providers: Sequence[str],
        limit: int | None,
        now: float,
    ) -> Video | None:
        """Take an upstream slot in one conditional UPDATE (see `VideoRepository.admit`)."""
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
                    busy.c.status.in_(_ACTIVE),
                    busy.c.submit_started_at.is_not(None),
                )
                .scalar_subquery()
            )
            ahead = videos.alias("ahead")
            older_waiting = (
                sa.select(ahead.c.id)
                .where(
                    ahead.c.provider.in_(providers),
                    ahead.c.status.in_(_ACTIVE),
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
        rows = await self._sql.write_serialized(_lock_key("admit", *providers), statement)
        return video_from_row(rows[0]) if rows else None

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

    async def count_active(self, user_id: str) -> int:
        statement = sa.select(sa.func.count()).where(
            videos.c.user_id == user_id, videos.c.status.in_(_ACTIVE)
        )
        rows = await self._sql.read(statement)
        return int(rows[0][0])

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


# What a video costs: its final cost once known, else its estimate; failed videos cost nothing.
_AMOUNT = sa.func.coalesce(videos.c.cost, videos.c.estimated_cost, 0.0)


def _spend_conditions(user_id: str | None, since: float | None) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [videos.c.status != VideoStatus.FAILED.value]
    if user_id is not None:
        conditions.append(videos.c.user_id == user_id)
    if since is not None:
        conditions.append(videos.c.created_at >= since)
    return conditions


def _lock_key(*parts: str) -> int:
    """A stable signed 64-bit advisory lock key (Python's hash() is salted per process)."""
    digest = hashlib.blake2b("\x1f".join(sorted(parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


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


def _values_of(changes: VideoChanges) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: value for name in _PLAIN_CHANGES if (value := getattr(changes, name)) is not None
    }
    if changes.status is not None:
        values["status"] = changes.status.value
    if changes.assets is not None:
        values["assets"] = assets_to_json(changes.assets)
    if changes.clear_submit:
        values["submit_started_at"] = None
    if changes.release_lease:
        values["lease_owner"] = None
        values["lease_until"] = None
    return values
