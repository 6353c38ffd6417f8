"""Writing a job's changes, and telling its owner what they would see change.

Every write of the lifecycle goes through `JobWriter`: under this process's lease (a step whose
lease was lost, or whose video was deleted meanwhile, writes nothing), then one `video_update`
event with the fields a client sees change (all of them when the video failed or completed).
"""

from __future__ import annotations

from collections.abc import Sequence

from sora2.domain import TERMINAL, Video
from sora2.events import VideoUpdate
from sora2.ports import EventPublisher, VideoChanges, VideoStore
from sora2.wire import video_fields


class JobWriter:
    def __init__(self, *, store: VideoStore, events: EventPublisher, owner: str) -> None:
        self._store = store
        self._events = events
        self.owner = owner

    async def write(self, video: Video, changes: VideoChanges) -> Video | None:
        """Apply `changes` under our lease; the updated video, or None when nothing was written."""
        updated = await self._store.apply(video.id, changes, owner=self.owner)
        if updated is not None:
            await self._publish(video, updated)
        return updated

    async def write_many(self, writes: Sequence[tuple[Video, VideoChanges]]) -> list[Video]:
        """`write` for many videos: one batched write under our lease, then their events."""
        if not writes:
            return []
        before = {video.id: video for video, _changes in writes}
        updated = await self._store.apply_many(
            [(video.id, changes) for video, changes in writes], owner=self.owner
        )
        # A status change is what a user waits for: its event goes out before progress ones
        # (each video still gets its events in order: one per batch).
        for video in sorted(updated, key=lambda v: v.status is before[v.id].status):
            await self._publish(before[video.id], video)
        return list(updated)

    async def hand_back(self, videos: Sequence[Video], *, now: float) -> None:
        """Release these leased videos, due at once: another step, or process, takes them."""
        changes = VideoChanges(next_due_at=now, release_lease=True)
        await self.write_many([(video, changes) for video in videos])

    async def announce(self, video: Video) -> None:
        """A new video: its owner sees it whole."""
        await self._events.publish(
            VideoUpdate(user_id=video.user_id, video_id=video.id, updates=video_fields(video))
        )

    async def announce_deleted(self, video: Video) -> None:
        await self._events.publish(
            VideoUpdate(user_id=video.user_id, video_id=video.id, updates={"deleted": True})
        )

    async def _publish(self, video: Video, updated: Video) -> None:
        before, after = video_fields(video), video_fields(updated)
        diff = {key: value for key, value in after.items() if before[key] != value}
        if diff and updated.status in TERMINAL and updated.status is not video.status:
            diff = after  # the final state is sent whole
        if diff:
            await self._events.publish(
                VideoUpdate(user_id=updated.user_id, video_id=updated.id, updates=diff)
            )
