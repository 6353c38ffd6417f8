"""What an answer from upstream means for a video's row: one pure function, `judge`.

Every path that talks to a provider about a job (sending the create, reading its status in a
sweep, fetching its files) hands the answer it got, a job or the error raised, to `judge`, and
writes the changes it returns. Nothing here does I/O, reads the clock or draws a random number:
the same video, answer, time and pace always give the same verdict (tests/unit/services/jobs/
test_verdict.py reads it as a table).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sora2.domain import ACTIVE, Asset, Video, VideoStatus
from sora2.errors import (
    ProviderNotConfigured,
    ProviderRateLimited,
    ProviderRejected,
)
from sora2.ports import UpstreamJob, VideoChanges
from sora2.services.jobs.timing import STEADY, Pace, Timing

GONE_MESSAGE = "the provider no longer knows this job"
FAILED_MESSAGE = "the provider reported a failure"
REFUSED_MESSAGE = "the provider refused the job"
QUOTA_MESSAGE = (
    "the provider's account has run out of quota (insufficient_quota); "
    "an administrator must add credit: {}"
)


class Asked(Enum):
    """What the answer was an answer to."""

    CREATE = "create"  # sending the video upstream (create or remix)
    FIND = "find"  # looking for a create of unknown outcome among the provider's jobs
    READ = "read"  # reading the job's status
    FETCH = "fetch"  # downloading the finished video's file


@dataclass(frozen=True, slots=True)
class Verdict:
    """The changes to write (None: nothing), and, for a finished job, the job to fetch."""

    changes: VideoChanges | None
    finished: UpstreamJob | None = None
    # The provider refused new jobs for now (429 on a create): none until this time.
    blocked_until: float | None = None
    # Why the video failed, or why it waits (for the log).
    reason: str | None = None

    @property
    def fails(self) -> bool:
        return self.changes is not None and self.changes.status is VideoStatus.FAILED


def judge(
    video: Video,
    answer: UpstreamJob | Exception | None,
    *,
    asked: Asked,
    now: float,
    timing: Timing,
    pace: Pace = STEADY,
    progress_written_at: float | None = None,
) -> Verdict:
    """The verdict on `answer` (None: a sweep did not read this job) for a video leased by the
    caller. `progress_written_at` is when this video's progress was last written by the caller
    (a sweep writes a mere progress step at most once per poll interval)."""
    if answer is None:
        return Verdict(VideoChanges(release_lease=True))
    if isinstance(answer, UpstreamJob):
        if asked is Asked.CREATE:
            return _submitted(answer, now=now, timing=timing)
        return _read(video, answer, now=now, timing=timing, pace=pace, at=progress_written_at)
    return _error(video, answer, asked=asked, now=now, timing=timing, pace=pace)


def failure(message: str) -> VideoChanges:
    """The changes that fail a video with this message."""
    return VideoChanges(status=VideoStatus.FAILED, error_message=message, release_lease=True)


def failed(message: str) -> Verdict:
    return Verdict(failure(message), reason=message)


def completed(video: Video, job: UpstreamJob, *, assets: dict[Asset, str], now: float) -> Verdict:
    """Every file of a finished job is in storage: the video is done, and costs its estimate."""
    return Verdict(
        VideoChanges(
            status=VideoStatus.COMPLETED,
            progress=100,
            completed_at=job.completed_at or now,
            assets=assets,
            attempts=0,
            cost=video.estimated_cost,
            release_lease=True,
        )
    )


def _submitted(job: UpstreamJob, *, now: float, timing: Timing) -> Verdict:
    """The provider took the create: record its id (a job already finished is read next tick;
    one it refused at once fails, keeping the id)."""
    failing = job.status is VideoStatus.FAILED
    changes = VideoChanges(
        upstream_id=job.id,
        status=job.status if job.status in ACTIVE or failing else None,
        progress=min(job.progress, 99),
        attempts=0,
        next_due_at=timing.next_poll(now, job.poll_after) if job.status in ACTIVE else now,
        release_lease=True,
    )
    if failing:
        changes.error_message = job.error_message or REFUSED_MESSAGE
        return Verdict(changes, reason=changes.error_message)
    return Verdict(changes)


def _read(
    video: Video, job: UpstreamJob, *, now: float, timing: Timing, pace: Pace, at: float | None
) -> Verdict:
    if job.status is VideoStatus.COMPLETED:
        return Verdict(None, finished=job)
    if job.status is VideoStatus.FAILED:
        return failed(job.error_message or FAILED_MESSAGE)
    progress: int | None = max(video.progress, min(job.progress, 99))
    if progress == video.progress:
        progress = None
    elif at is not None and now - at < timing.poll_interval and job.status is video.status:
        progress = None  # a mere progress step, written less than a poll interval ago
    return Verdict(
        VideoChanges(
            status=job.status,
            progress=progress,
            next_due_at=timing.next_poll(now, job.poll_after, pace),
            attempts=0,
            release_lease=True,
        )
    )


def _error(
    video: Video, exc: Exception, *, asked: Asked, now: float, timing: Timing, pace: Pace
) -> Verdict:
    if isinstance(exc, ProviderNotConfigured):
        return failed(exc.message)
    if isinstance(exc, ProviderRejected):
        if asked is Asked.READ and exc.status == 404:
            return failed(GONE_MESSAGE)
        if asked is Asked.CREATE:
            if exc.code == "insufficient_quota":
                return failed(QUOTA_MESSAGE.format(exc.message))
            return failed(f"{REFUSED_MESSAGE}: {exc.message}")
        if asked is Asked.FETCH:
            return failed(f"the video file could not be fetched: {exc}")
    attempts = video.attempts + 1
    retry_after = exc.retry_after if isinstance(exc, ProviderRateLimited) else None
    until = timing.backoff(now, attempts, retry_after, pace.spread)
    if asked is Asked.CREATE and isinstance(exc, ProviderRateLimited):
        # Refused with 429: nothing was made upstream. The video gives its slot back and waits
        # in the queue; its provider gets no new job until then.
        return Verdict(
            VideoChanges(
                attempts=attempts, next_due_at=until, clear_submit=True, release_lease=True
            ),
            blocked_until=until,
            reason=f"{exc}; back in the queue (retry #{attempts})",
        )
    return Verdict(
        VideoChanges(attempts=attempts, next_due_at=until, release_lease=True),
        reason=f"{exc}; retry #{attempts} later",
    )
