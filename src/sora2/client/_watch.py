"""Following one video: its state merged from events and polls, never going backwards."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sora2.client._base import parse
from sora2.client._exceptions import NotFoundError, WaitTimeoutError
from sora2.client._models import Video, VideoStatus

# While a socket is connected, events carry the changes; a REST check this often (at least)
# covers an event lost on the way.
SOCKET_RESYNC_SECONDS = 30.0

_RANK = {
    VideoStatus.QUEUED: 0,
    VideoStatus.IN_PROGRESS: 1,
    VideoStatus.COMPLETED: 2,
    VideoStatus.FAILED: 2,
}


class WatchState:
    """The latest known state of a video. Events carry partial `updates`, polls whole videos;
    either may arrive late (a poll answered before an event sent after it): a stale state is
    ignored, so status and progress only go forward."""

    def __init__(self, video: Video) -> None:
        self.video = video

    @property
    def done(self) -> bool:
        return self.video.is_finished

    def apply(self, updates: Mapping[str, Any]) -> Video | None:
        """Merge a `video_update` event's `updates`; return the new state if it changed."""
        if updates.get("deleted"):
            raise NotFoundError(f"video {self.video.id} was deleted")
        return self.replace(parse(Video, {**self.video.model_dump(), **updates}))

    def replace(self, video: Video) -> Video | None:
        """Take a polled state; return it if it is newer than the one known."""
        old = self.video
        if old.is_finished or video == old:
            return None
        if _RANK[video.status] < _RANK[old.status]:
            return None
        if video.status is old.status and video.progress < old.progress:
            return None
        self.video = video
        return video


class Deadline:
    def __init__(self, timeout: float | None, video_id: str) -> None:
        self._at = None if timeout is None else time.monotonic() + timeout
        self._timeout = timeout
        self._video_id = video_id

    def next_wait(self, *, connected: bool, poll_interval: float) -> float:
        """How long to wait for an event before polling; raises once the deadline passed."""
        wait = max(poll_interval, SOCKET_RESYNC_SECONDS) if connected else poll_interval
        if self._at is None:
            return wait
        left = self._at - time.monotonic()
        if left <= 0:
            raise WaitTimeoutError(
                f"video {self._video_id} did not finish within {self._timeout:g} seconds"
            )
        return min(wait, left)


def event_updates(data: object, video_id: str) -> dict[str, Any] | None:
    """The `updates` of a `video_update` event about `video_id` (None for other videos)."""
    if not isinstance(data, dict) or data.get("video_id") != video_id:
        return None
    updates = data.get("updates")
    return updates if isinstance(updates, dict) else None
