"""What the SDK returns: typed, immutable records of the REST API's bodies."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from sora2.domain.video import TERMINAL, VideoStatus

__all__ = ["Model", "User", "Video", "VideoPage", "VideoStatus"]


class _Record(BaseModel):
    # Fields a newer server adds are kept (and readable by key), not refused.
    model_config = ConfigDict(extra="allow", frozen=True)

    def __getitem__(self, key: str) -> Any:
        """`video["id"]`: the guide's example client returned dicts, and code written for it
        keeps working."""
        if key in type(self).model_fields or key in (self.model_extra or {}):
            return getattr(self, key)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (
            key in type(self).model_fields or key in (self.model_extra or {})
        )

    def get(self, key: str, default: Any = None) -> Any:
        """Like `dict.get`."""
        try:
            return self[key]
        except KeyError:
            return default

    def to_dict(self) -> dict[str, Any]:
        """The record as the server sent it (JSON types)."""
        return self.model_dump(mode="json")


class Video(_Record):
    """One video job: the fields of the guide's video object, then how it was remixed or
    continued and what it cost (USD)."""

    id: str
    user_id: str
    openai_video_id: str | None = None
    prompt: str
    model: str
    size: str
    seconds: str
    status: VideoStatus
    progress: int = 0
    created_at: int
    completed_at: int | None = None
    expires_at: int | None = None
    error_message: str | None = None
    remixed_from: str | None = None
    remix_strategy: str | None = None  # native or reprompt, for a remix
    continued_from: str | None = None  # the video whose last frame is this one's first
    estimated_cost: float | None = None
    cost: float | None = None  # once completed; failed videos cost 0

    @property
    def is_finished(self) -> bool:
        """Completed or failed: nothing will change any more."""
        return self.status in TERMINAL

    @property
    def is_completed(self) -> bool:
        return self.status is VideoStatus.COMPLETED

    @property
    def is_failed(self) -> bool:
        return self.status is VideoStatus.FAILED


class VideoPage(_Record):
    """One page of my videos, newest first."""

    videos: list[Video]
    limit: int
    offset: int


class Model(_Record):
    """A model on offer, with the sizes, lengths and prices it allows."""

    id: str
    provider: str = ""
    description: str = ""
    sizes: list[str]
    seconds: list[str]
    default_size: str
    default_seconds: str
    price_per_second: dict[str, float] = {}
    supports_input_reference: bool = True
    supports_remix: bool = True


class User(_Record):
    """A user of the platform."""

    id: str
    username: str
    is_admin: bool = False
    created_at: int | None = None


class LoginResponse(_Record):
    """The answer to a login: a token and who it stands for."""

    token: str
    user: User
