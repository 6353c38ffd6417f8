"""A simulated job and its lifecycle, derived from the clock so that it survives restarts.

A job is `queued` for the first tenth of its duration, then `in_progress` with progress rising
linearly, and `completed` once its duration has passed AND its render is on disk. A prompt that
contains `[fail]` fails at half time, as if moderation had blocked it. Nothing here does I/O.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Literal

QUEUED_SHARE = 0.1
FAIL_SHARE = 0.5
FAIL_MARKER = "[fail]"
ASSET_LIFETIME_SECONDS = 3600  # OpenAI keeps assets downloadable for about an hour
Status = Literal["queued", "in_progress", "completed", "failed"]

MODERATION_MESSAGE = (
    "Blocked by moderation: your request was flagged by our safety system and cannot be "
    "processed. Please revise the prompt and try again."
)
RENDER_FAILED_MESSAGE = "The video could not be rendered because of an internal error."


def new_video_id() -> str:
    return f"video_{secrets.token_hex(16)}"


@dataclass(frozen=True, slots=True)
class Job:
    """One row of the simulator's store."""

    id: str
    created_at: float
    model: str
    size: str
    seconds: int
    prompt: str
    # Fixed at creation, so a restart with another setting never moves progress backwards.
    job_seconds: float
    remixed_from: str | None = None
    has_reference: bool = False
    rendered_at: float | None = None
    render_error: str | None = None

    @property
    def will_fail(self) -> bool:
        return FAIL_MARKER in self.prompt.lower()

    @property
    def needs_render(self) -> bool:
        return not self.will_fail and self.rendered_at is None and self.render_error is None

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


@dataclass(frozen=True, slots=True)
class JobState:
    status: Status
    progress: int
    completed_at: float | None = None
    error_code: str | None = None
    error_message: str | None = None


def state_at(job: Job, now: float) -> JobState:
    """Where `job` stands at `now`: a pure function of the clock and the render's outcome."""
    duration = job.job_seconds
    elapsed = max(0.0, now - job.created_at)
    if job.will_fail and elapsed >= duration * FAIL_SHARE:
        progress = _progress(duration * FAIL_SHARE, duration)
        return JobState("failed", progress, None, "moderation_blocked", MODERATION_MESSAGE)
    if job.render_error is not None and elapsed >= duration * QUEUED_SHARE:
        progress = _progress(elapsed, duration)
        return JobState("failed", progress, None, "internal_error", RENDER_FAILED_MESSAGE)
    if elapsed < duration * QUEUED_SHARE:
        return JobState("queued", 0)
    if elapsed >= duration and job.rendered_at is not None:
        return JobState("completed", 100, max(job.created_at + duration, job.rendered_at))
    return JobState("in_progress", _progress(elapsed, duration))


def _progress(elapsed: float, duration: float) -> int:
    """Linear in time over the in_progress window, held at 99 until the render lands."""
    start = duration * QUEUED_SHARE
    span = duration - start
    share = 1.0 if span <= 0 else (elapsed - start) / span
    return max(0, min(99, int(share * 100)))


def to_openai(job: Job, state: JobState) -> dict[str, Any]:
    """The job as `openai.types.Video`."""
    completed_at = None if state.completed_at is None else int(state.completed_at)
    error = None
    if state.error_code is not None:
        error = {"code": state.error_code, "message": state.error_message}
    return {
        "id": job.id,
        "object": "video",
        "created_at": int(job.created_at),
        "completed_at": completed_at,
        "expires_at": None if completed_at is None else completed_at + ASSET_LIFETIME_SECONDS,
        "error": error,
        "model": job.model,
        "progress": state.progress,
        "prompt": job.prompt,
        "remixed_from_video_id": job.remixed_from,
        "seconds": str(job.seconds),
        "size": job.size,
        "status": state.status,
    }
