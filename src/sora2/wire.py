"""The platform's objects as every client sees them: the one definition of the wire shape.

A video (and a model on offer) is defined here once. The REST API returns these models and
its OpenAPI document is built from them; the Socket.IO `video_update` events, the tracker's
change diffs and the MCP tools carry `video_fields(video)`; the web UI's TypeScript types are
generated from the OpenAPI document (`make types`); the SDK's records are checked against it
field by field by a test. The field order is the order clients see: the guide's fields first,
then the ones the platform adds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sora2.domain.catalogue import ModelSpec
from sora2.domain.video import Video, VideoStatus

__all__ = ["ModelPublic", "VideoPage", "VideoPublic", "WireModel", "video_fields"]


class WireModel(BaseModel):
    """A body the server sends. Every field is always sent (a null, never a missing key), so
    the schema says each one is required, and a generated client may rely on it."""

    model_config = ConfigDict(frozen=True, json_schema_serialization_defaults_required=True)


class VideoPublic(WireModel):
    """One video job: the guide's video object, then how it was remixed or continued and what
    it cost."""

    id: str = Field(examples=["550e8400-e29b-41d4-a716-446655440000"])
    user_id: str
    openai_video_id: str | None = Field(description="The provider's id for this job.")
    prompt: str
    model: str = Field(examples=["sora-2"])
    size: str = Field(examples=["1280x720"])
    seconds: str = Field(examples=["8"])
    status: VideoStatus
    progress: int = Field(ge=0, le=100)
    created_at: int = Field(description="Unix seconds.")
    completed_at: int | None = None
    expires_at: int | None = None
    error_message: str | None = None
    remixed_from: str | None = None
    remix_strategy: str | None = Field(
        None,
        description="How a remix was made: native (the provider remixed the source) or "
        "reprompt (a new video from the source's prompt and the new one).",
    )
    continued_from: str | None = Field(
        None, description="The video whose last frame is this one's first frame."
    )
    estimated_cost: float | None = Field(None, description="USD: price per second x seconds.")
    cost: float | None = Field(None, description="USD, once completed; failed videos cost 0.")

    @classmethod
    def of(cls, video: Video) -> VideoPublic:
        return cls.model_validate(video_fields(video))


def video_fields(video: Video) -> dict[str, Any]:
    """`VideoPublic` of `video` as JSON values, in its field order: what a Socket.IO event
    carries. Written out rather than dumped from the model because the tracker diffs two of
    these on every write; a test holds it equal to `VideoPublic.of(video)`'s JSON."""
    return {
        "id": video.id,
        "user_id": video.user_id,
        "openai_video_id": video.upstream_id,
        "prompt": video.prompt,
        "model": video.model,
        "size": video.size,
        "seconds": str(video.seconds),
        "status": video.status.value,
        "progress": video.progress,
        "created_at": int(video.created_at),
        "completed_at": None if video.completed_at is None else int(video.completed_at),
        "expires_at": None if video.expires_at is None else int(video.expires_at),
        "error_message": video.error_message,
        "remixed_from": video.remixed_from,
        "remix_strategy": video.remix_strategy,
        "continued_from": video.continued_from,
        "estimated_cost": video.estimated_cost,
        "cost": video.cost,
    }


class VideoPage(WireModel):
    """One page of videos, newest first."""

    videos: list[VideoPublic]
    limit: int
    offset: int

    @classmethod
    def of(cls, videos: Iterable[Video], *, limit: int, offset: int) -> VideoPage:
        # One validation of the whole page: a third cheaper than one `VideoPublic.of` per video.
        views = [video_fields(video) for video in videos]
        return cls.model_validate({"videos": views, "limit": limit, "offset": offset})


class ModelPublic(WireModel):
    """A model on offer, with the sizes, lengths and prices it allows."""

    id: str
    provider: str = Field(examples=["openai"], description="Who makes this model's videos.")
    description: str
    sizes: list[str]
    seconds: list[str]
    default_size: str
    default_seconds: str
    price_per_second: dict[str, float]
    supports_input_reference: bool
    supports_remix: bool

    @classmethod
    def of(cls, spec: ModelSpec) -> ModelPublic:
        return cls(
            id=spec.id,
            provider=spec.provider,
            description=spec.description,
            sizes=list(spec.sizes),
            seconds=list(spec.seconds),
            default_size=spec.default_size,
            default_seconds=spec.default_seconds,
            price_per_second=dict(spec.price_per_second),
            supports_input_reference=spec.supports_input_reference,
            supports_remix=spec.supports_remix,
        )
