"""The video aggregate and its one status machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class VideoStatus(StrEnum):
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


ACTIVE = frozenset({VideoStatus.QUEUED, VideoStatus.IN_PROGRESS})
TERMINAL = frozenset({VideoStatus.COMPLETED, VideoStatus.FAILED})

# A write that would move a video backwards (completed -> in_progress, ...) is refused.
_TRANSITIONS: dict[VideoStatus, frozenset[VideoStatus]] = {
    VideoStatus.QUEUED: frozenset(
        {VideoStatus.QUEUED, VideoStatus.IN_PROGRESS, VideoStatus.COMPLETED, VideoStatus.FAILED}
    ),
    VideoStatus.IN_PROGRESS: frozenset(
        {VideoStatus.IN_PROGRESS, VideoStatus.COMPLETED, VideoStatus.FAILED}
    ),
    VideoStatus.COMPLETED: frozenset({VideoStatus.COMPLETED}),
    VideoStatus.FAILED: frozenset({VideoStatus.FAILED}),
}


def can_transition(current: VideoStatus, new: VideoStatus) -> bool:
    return new in _TRANSITIONS[current]


def predecessors(new: VideoStatus) -> frozenset[VideoStatus]:
    """The statuses a video may be in for a write to `new` to be accepted."""
    return frozenset(status for status, targets in _TRANSITIONS.items() if new in targets)


class Asset(StrEnum):
    """The downloadable variants of a finished video, with their media types."""

    VIDEO = "video"
    THUMBNAIL = "thumbnail"
    SPRITESHEET = "spritesheet"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]


_MEDIA_TYPES = {
    Asset.VIDEO: "video/mp4",
    Asset.THUMBNAIL: "image/webp",
    Asset.SPRITESHEET: "image/jpeg",
}
_EXTENSIONS = {Asset.VIDEO: "mp4", Asset.THUMBNAIL: "webp", Asset.SPRITESHEET: "jpg"}


@dataclass(slots=True)
class Video:
    """One video job as the platform records it. `upstream_id` is the provider's id."""

    id: str
    user_id: str
    prompt: str
    model: str
    size: str
    seconds: int
    status: VideoStatus
    progress: int
    created_at: float
    provider: str
    upstream_id: str | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    error_message: str | None = None
    remixed_from: str | None = None
    input_reference_key: str | None = None
    assets: dict[Asset, str] = field(default_factory=dict)  # variant -> blob key
    # Tracker bookkeeping: when the row is next due and who holds it until when.
    next_due_at: float | None = None
    lease_owner: str | None = None
    lease_until: float | None = None
    attempts: int = 0
    submit_started_at: float | None = None
    # The provider's own name of the model (the catalogue's mapping when the row was made).
    upstream_model: str | None = None
    # How a remix was made: "native" (the provider remixed) or "reprompt" (a new job from the
    # source's prompt and the new one, for providers that cannot remix).
    remix_strategy: str | None = None
    continued_from: str | None = None  # the video whose last frame is this one's first
    estimated_cost: float | None = None  # USD, catalogue price x seconds, when created
    cost: float | None = None  # USD, when completed

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])
