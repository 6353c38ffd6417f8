"""`VideoStore`, `JobQueue` and `SpendLedger` in memory, over one shared `VideoTable`.

They keep the SQL adapters' rules exactly (db/videos.py, db/queue.py, db/spend.py; the contract
tests in tests/integration/db/contracts/ run both): writes refused by the status machine or a
lost lease write nothing, claims go most overdue first, admission keeps the limit and the
order. Each call runs without awaiting, so it is atomic among the tasks of one event loop, like
the one statement each SQL call is. Rows go in and out as copies: changing a returned `Video`
changes nothing stored.

Unlike the SQL table, nothing checks that a video's user exists (no foreign key); deleting a
user from a `MemoryUserRepository` given the same table removes their videos, like the cascade.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

from sora2.domain import ACTIVE, Asset, Video, VideoStatus, predecessors
from sora2.ports import VideoChanges

# VideoChanges fields written to the Video field of the same name when not None.
_PLAIN_CHANGES = tuple(
    f.name
    for f in dataclasses.fields(VideoChanges)
    if f.name not in {"status", "assets", "release_lease", "clear_submit"}
)


class VideoTable(dict[str, Video]):
    """The stored videos by id: what the memory ports share, like the SQL ones share a table."""


class MemoryVideoStore:
    """`VideoStore` over a `VideoTable`."""

    def __init__(self, table: VideoTable) -> None:
        self.table = table

    async def add(self, video: Video) -> None:
        if video.id in self.table:
            raise ValueError(f"a video with id {video.id!r} is already stored")
        self.table[video.id] = _copy(video)

    async def get(self, video_id: str, *, user_id: str | None = None) -> Video | None:
        video = self.table.get(video_id)
        if video is None or (user_id is not None and video.user_id != user_id):
            return None
        return _copy(video)

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
        check_page(limit, offset)
        # Python's lower() folds like PostgreSQL's ILIKE; SQLite's folds ASCII letters only.
        needle = prompt_contains.lower() if prompt_contains else None
        found = [
            video
            for video in self.table.values()
            if video.user_id == user_id
            and (status is None or video.status is status)
            and (needle is None or needle in video.prompt.lower())
            and (remixed_from is None or video.remixed_from == remixed_from)
        ]
        found.sort(key=lambda video: (video.created_at, video.id), reverse=True)
        return [_copy(video) for video in found[offset : offset + limit]]

    async def delete(self, video_id: str) -> Video | None:
        return self.table.pop(video_id, None)

    async def apply(
        self, video_id: str, changes: VideoChanges, *, owner: str | None = None
    ) -> Video | None:
        video = self.table.get(video_id)
        if video is None or not _accepts(video, changes, owner):
            return None
        return _copy(self._write(video, changes))

    async def apply_many(
        self, changes: Sequence[tuple[str, VideoChanges]], *, owner: str
    ) -> Sequence[Video]:
        written: list[Video] = []
        for video_id, change in changes:
            video = self.table.get(video_id)
            # Like the SQL: a change that writes nothing is skipped, not reported.
            if video is None or not _updates(change) or not _accepts(video, change, owner):
                continue
            written.append(_copy(self._write(video, change)))
        return written

    async def upstream_ids_in_use(self, upstream_ids: Sequence[str]) -> set[str]:
        wanted = set(upstream_ids)
        return {v.upstream_id for v in self.table.values() if v.upstream_id in wanted}

    async def find_by_upstream_id(
        self, upstream_id: str, *, providers: Sequence[str]
    ) -> Video | None:
        for video in self.table.values():
            if video.upstream_id == upstream_id and video.provider in providers:
                return _copy(video)
        return None

    def _write(self, video: Video, changes: VideoChanges) -> Video:
        updates = _updates(changes)
        if not updates:
            return video
        new = dataclasses.replace(video, **updates)
        self.table[video.id] = new
        return new


class MemoryJobQueue:
    """`JobQueue` over a `VideoTable`."""

    def __init__(self, table: VideoTable) -> None:
        self.table = table

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
        if limit <= 0:
            return []
        by = now if due_by is None else due_by
        due = [
            (next_due_at, video)
            for video in self.table.values()
            if (next_due_at := video.next_due_at) is not None
            and video.status in ACTIVE
            and next_due_at <= by
            # Only the lease's end counts, as in the SQL: an owner without an end holds nothing.
            and (video.lease_until is None or video.lease_until < now)
            and (submitted is None or (video.upstream_id is not None) is submitted)
        ]
        due.sort(key=lambda pair: (pair[0], pair[1].id))
        claimed: list[Video] = []
        for _due_at, video in due[:limit]:
            leased = dataclasses.replace(video, lease_owner=owner, lease_until=now + lease_seconds)
            self.table[video.id] = leased
            claimed.append(_copy(leased))
        return claimed

    async def release_leases(self, *, owners: Sequence[str]) -> int:
        wanted = set(owners)
        held = [video for video in self.table.values() if video.lease_owner in wanted]
        for video in held:
            self.table[video.id] = dataclasses.replace(video, lease_owner=None, lease_until=None)
        return len(held)

    async def admit(
        self,
        video_id: str,
        *,
        owner: str,
        providers: Sequence[str],
        limit: int | None,
        now: float,
    ) -> Video | None:
        video = self.table.get(video_id)
        if (
            video is None
            or video.lease_owner != owner
            or video.status is not VideoStatus.QUEUED
            or video.upstream_id is not None
            or video.submit_started_at is not None
        ):
            return None
        if limit is not None:
            theirs = [v for v in self._active() if v.provider in providers]
            in_flight = sum(1 for v in theirs if v.submit_started_at is not None)
            place = (video.created_at, video.id)
            waiting = [v for v in theirs if v.submit_started_at is None and v.upstream_id is None]
            older_waiting = any((v.created_at, v.id) < place for v in waiting)
            if in_flight >= limit or older_waiting:
                return None
        admitted = dataclasses.replace(video, submit_started_at=now)
        self.table[video.id] = admitted
        return _copy(admitted)

    async def count_active(self, user_id: str) -> int:
        return sum(1 for video in self._active() if video.user_id == user_id)

    def _active(self) -> Iterator[Video]:
        return (video for video in self.table.values() if video.status in ACTIVE)


class MemorySpendLedger:
    """`SpendLedger` over a `VideoTable`."""

    def __init__(self, table: VideoTable) -> None:
        self.table = table

    async def spend(self, *, user_id: str | None, since: float | None = None) -> tuple[float, int]:
        amounts = [amount for _created_at, amount in self._spent(user_id, since)]
        return float(sum(amounts)), len(amounts)

    async def spend_by_video(self, user_id: str, *, since: float) -> Sequence[tuple[float, float]]:
        return self._spent(user_id, since)

    def _spent(self, user_id: str | None, since: float | None) -> list[tuple[float, float]]:
        return [
            (video.created_at, _amount(video))
            for video in self.table.values()
            if video.status is not VideoStatus.FAILED
            and (user_id is None or video.user_id == user_id)
            and (since is None or video.created_at >= since)
        ]


def check_page(limit: int, offset: int) -> None:
    """PostgreSQL refuses a negative LIMIT or OFFSET (SQLite reads LIMIT -1 as no limit): a
    caller's bug, refused here too rather than answered a third way."""
    if limit < 0 or offset < 0:
        raise ValueError(f"a page needs a limit and an offset >= 0, not {limit} and {offset}")


def _amount(video: Video) -> float:
    """Its final cost once known, else its estimate (as the SQL's coalesce)."""
    if video.cost is not None:
        return video.cost
    return 0.0 if video.estimated_cost is None else video.estimated_cost


def _accepts(video: Video, changes: VideoChanges, owner: str | None) -> bool:
    """Whether the SQL's conditional UPDATE would match the row: the lease is `owner`'s (a
    lease past its end still counts until somebody claims the row) and the status may move."""
    if owner is not None and video.lease_owner != owner:
        return False
    return changes.status is None or video.status in predecessors(changes.status)


def _updates(changes: VideoChanges) -> dict[str, Any]:
    """The fields `changes` writes (db/_rows.py `changes_values`, field for column)."""
    updates: dict[str, Any] = {
        name: value for name in _PLAIN_CHANGES if (value := getattr(changes, name)) is not None
    }
    if changes.status is not None:
        updates["status"] = VideoStatus(changes.status)
    if changes.assets is not None:
        updates["assets"] = {Asset(variant): key for variant, key in changes.assets.items()}
    if changes.clear_submit:
        updates["submit_started_at"] = None
    if changes.release_lease:
        updates["lease_owner"] = None
        updates["lease_until"] = None
    return updates


def _copy(video: Video) -> Video:
    return dataclasses.replace(video, assets=dict(video.assets))
