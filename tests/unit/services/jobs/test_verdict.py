"""What an answer from upstream means for a video's row (`judge`), read as tables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sora2.domain import Asset, Video, VideoStatus
from sora2.errors import (
    ProviderNotConfigured,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
)
from sora2.ports import UpstreamJob, VideoChanges
from sora2.services.jobs.timing import Pace, Timing
from sora2.services.jobs.verdict import (
    GONE_MESSAGE,
    Asked,
    Verdict,
    completed,
    judge,
)

NOW = 10_000.0
TIMING = Timing(poll_interval=5.0, jitter=0.0, lease_seconds=60.0, webhook_poll_interval=60.0)
VIDEO = Video(
    id="v1",
    user_id="u1",
    prompt="a fox",
    model="sora-2",
    size="720x1280",
    seconds=4,
    status=VideoStatus.IN_PROGRESS,
    progress=40,
    created_at=NOW - 100,
    provider="openai",
    upstream_id="video_1",
    estimated_cost=0.4,
    attempts=2,
)


def job(status: VideoStatus, progress: int = 50, **fields: object) -> UpstreamJob:
    return UpstreamJob(id="video_1", status=status, progress=progress, **fields)  # type: ignore[arg-type]


def read(answer: UpstreamJob | Exception | None, **options: object) -> Verdict:
    return judge(VIDEO, answer, asked=Asked.READ, now=NOW, timing=TIMING, **options)  # type: ignore[arg-type]


def released(**fields: object) -> VideoChanges:
    return VideoChanges(release_lease=True, **fields)  # type: ignore[arg-type]


# ------------------------------------------------------------------ reading a job's status

READS = [
    pytest.param(
        job(VideoStatus.IN_PROGRESS, 60),
        released(status=VideoStatus.IN_PROGRESS, progress=60, next_due_at=NOW + 5, attempts=0),
        id="progress moves on; due a poll interval later; failures forgotten",
    ),
    pytest.param(
        job(VideoStatus.IN_PROGRESS, 30),
        released(status=VideoStatus.IN_PROGRESS, progress=None, next_due_at=NOW + 5, attempts=0),
        id="progress never goes backwards",
    ),
    pytest.param(
        job(VideoStatus.IN_PROGRESS, 100),
        released(status=VideoStatus.IN_PROGRESS, progress=99, next_due_at=NOW + 5, attempts=0),
        id="100 % is kept for when the files are in storage",
    ),
    pytest.param(
        job(VideoStatus.IN_PROGRESS, 60, poll_after=12.0),
        released(status=VideoStatus.IN_PROGRESS, progress=60, next_due_at=NOW + 12, attempts=0),
        id="the provider's poll-after hint is longer: it wins",
    ),
    pytest.param(
        job(VideoStatus.FAILED, error_message="moderation blocked it"),
        released(status=VideoStatus.FAILED, error_message="moderation blocked it"),
        id="a failed job fails the video with the provider's reason",
    ),
    pytest.param(
        job(VideoStatus.FAILED),
        released(status=VideoStatus.FAILED, error_message="the provider reported a failure"),
        id="a failed job without a reason",
    ),
    pytest.param(
        ProviderRejected("no such video", status=404),
        released(status=VideoStatus.FAILED, error_message=GONE_MESSAGE),
        id="a job the provider no longer knows",
    ),
    pytest.param(
        ProviderUnavailable("502 Bad Gateway"),
        released(attempts=3, next_due_at=NOW + 5 * 2**3),
        id="an outage: tried again later, backing off",
    ),
    pytest.param(
        ProviderRateLimited("slow down", retry_after=90.0),
        released(attempts=3, next_due_at=NOW + 90),
        id="a 429: not before its Retry-After",
    ),
    pytest.param(
        ProviderRejected("bad request", status=400),
        released(attempts=3, next_due_at=NOW + 40),
        id="another refusal of a read: tried again later",
    ),
    pytest.param(
        ProviderNotConfigured("the provider 'x' is not configured on this server"),
        released(
            status=VideoStatus.FAILED,
            error_message="the provider 'x' is not configured on this server",
        ),
        id="a provider this server lacks",
    ),
    pytest.param(None, released(), id="not read by this sweep: only the lease goes"),
]


@pytest.mark.parametrize(("answer", "changes"), READS)
def test_reading_a_status(answer: UpstreamJob | Exception | None, changes: VideoChanges) -> None:
    verdict = read(answer)
    assert verdict.changes == changes
    assert verdict.finished is None


def test_a_completed_job_is_handed_to_the_finisher_without_a_write() -> None:
    finished = job(VideoStatus.COMPLETED, 100, completed_at=NOW - 1)
    assert read(finished) == Verdict(None, finished=finished)


def test_backoff_is_capped_at_five_minutes() -> None:
    tired = replace(VIDEO, attempts=40)
    verdict = judge(tired, ProviderUnavailable("down"), asked=Asked.READ, now=NOW, timing=TIMING)
    assert verdict.changes is not None and verdict.changes.next_due_at == NOW + 300


@pytest.mark.parametrize(
    ("pace", "due"),
    [
        (Pace(), NOW + 5),
        (Pace(interval=1.25), NOW + 1.25),  # a sweep that read it from a list page
        (Pace(slow=True), NOW + 60),  # webhooks arrive: polling is only a safety net
        (Pace(spread=1.0), NOW + 5),  # no jitter configured
    ],
)
def test_the_pace_sets_the_next_read(pace: Pace, due: float) -> None:
    verdict = read(job(VideoStatus.IN_PROGRESS, 60), pace=pace)
    assert verdict.changes is not None and verdict.changes.next_due_at == due


def test_jitter_spreads_the_next_read_both_ways() -> None:
    jittery = replace(TIMING, jitter=0.2)
    late = judge(
        VIDEO,
        job(VideoStatus.IN_PROGRESS),
        asked=Asked.READ,
        now=NOW,
        timing=jittery,
        pace=Pace(spread=1.0),
    )
    early = judge(
        VIDEO,
        job(VideoStatus.IN_PROGRESS),
        asked=Asked.READ,
        now=NOW,
        timing=jittery,
        pace=Pace(spread=-1.0),
    )
    assert late.changes is not None and late.changes.next_due_at == pytest.approx(NOW + 6)
    assert early.changes is not None and early.changes.next_due_at == pytest.approx(NOW + 4)


@pytest.mark.parametrize(
    ("written_at", "status", "progress"),
    [
        (None, VideoStatus.IN_PROGRESS, 60),  # never written by this sweep
        (NOW - 6, VideoStatus.IN_PROGRESS, 60),  # more than a poll interval ago
        (NOW - 1, VideoStatus.IN_PROGRESS, None),  # a mere step, written a second ago: held
        (NOW - 1, VideoStatus.QUEUED, 60),  # ...unless the status changed too
    ],
)
def test_a_mere_progress_step_is_written_at_most_once_per_interval(
    written_at: float | None, status: VideoStatus, progress: int | None
) -> None:
    video = replace(VIDEO, status=status)
    verdict = judge(
        video,
        job(VideoStatus.IN_PROGRESS, 60),
        asked=Asked.READ,
        now=NOW,
        timing=TIMING,
        progress_written_at=written_at,
    )
    assert verdict.changes is not None and verdict.changes.progress == progress


# ------------------------------------------------------------------ sending the create

QUEUED = replace(VIDEO, status=VideoStatus.QUEUED, progress=0, upstream_id=None, attempts=0)

CREATES = [
    pytest.param(
        job(VideoStatus.QUEUED, 0),
        released(
            upstream_id="video_1",
            status=VideoStatus.QUEUED,
            progress=0,
            attempts=0,
            next_due_at=NOW + 5,
        ),
        id="taken: the provider's id is recorded",
    ),
    pytest.param(
        job(VideoStatus.COMPLETED, 100),
        released(upstream_id="video_1", progress=99, attempts=0, next_due_at=NOW),
        id="already finished: read again at once, then fetched",
    ),
    pytest.param(
        job(VideoStatus.FAILED, 0, error_message="unsafe prompt"),
        released(
            upstream_id="video_1",
            status=VideoStatus.FAILED,
            progress=0,
            attempts=0,
            next_due_at=NOW,
            error_message="unsafe prompt",
        ),
        id="refused at once: failed, keeping the provider's id",
    ),
    pytest.param(
        ProviderRejected("billing hard limit reached", status=400),
        released(
            status=VideoStatus.FAILED,
            error_message="the provider refused the job: billing hard limit reached",
        ),
        id="refused",
    ),
    pytest.param(
        ProviderRejected("You exceeded your current quota", code="insufficient_quota"),
        released(
            status=VideoStatus.FAILED,
            error_message=(
                "the provider's account has run out of quota (insufficient_quota); "
                "an administrator must add credit: You exceeded your current quota"
            ),
        ),
        id="out of quota: an administrator must act",
    ),
    pytest.param(
        ProviderUnavailable("read timed out"),
        released(attempts=1, next_due_at=NOW + 10),
        id="no answer: outcome unknown, looked for later",
    ),
    pytest.param(
        ProviderRateLimited("slow down", retry_after=30.0),
        released(attempts=1, next_due_at=NOW + 30, clear_submit=True),
        id="a 429: nothing was made; back in the queue, its slot given back",
    ),
]


@pytest.mark.parametrize(("answer", "changes"), CREATES)
def test_sending_the_create(answer: UpstreamJob | Exception, changes: VideoChanges) -> None:
    verdict = judge(QUEUED, answer, asked=Asked.CREATE, now=NOW, timing=TIMING)
    assert verdict.changes == changes


def test_a_429_at_create_blocks_the_provider_until_its_retry_after() -> None:
    limited = ProviderRateLimited("slow down", retry_after=30.0)
    verdict = judge(QUEUED, limited, asked=Asked.CREATE, now=NOW, timing=TIMING)
    assert verdict.blocked_until == NOW + 30
    assert judge(QUEUED, limited, asked=Asked.READ, now=NOW, timing=TIMING).blocked_until is None


@pytest.mark.parametrize(
    "error", [ProviderRejected("no list route", status=404), ProviderUnavailable("reset")]
)
def test_looking_for_a_lost_create_never_fails_the_video(error: Exception) -> None:
    sent = replace(QUEUED, submit_started_at=NOW - 30)
    verdict = judge(sent, error, asked=Asked.FIND, now=NOW, timing=TIMING)
    assert verdict.changes == released(attempts=1, next_due_at=NOW + 10)


# ------------------------------------------------------------------ fetching the files


@pytest.mark.parametrize(
    ("error", "changes"),
    [
        (
            ProviderRejected("expired", status=404),
            released(
                status=VideoStatus.FAILED,
                error_message="the video file could not be fetched: expired",
            ),
        ),
        (ProviderUnavailable("connection reset"), released(attempts=3, next_due_at=NOW + 40)),
        (OSError(28, "No space left on device"), released(attempts=3, next_due_at=NOW + 40)),
    ],
)
def test_fetching_the_files(error: Exception, changes: VideoChanges) -> None:
    assert judge(VIDEO, error, asked=Asked.FETCH, now=NOW, timing=TIMING).changes == changes


def test_a_completed_video_costs_its_estimate_and_names_its_files() -> None:
    finished = job(VideoStatus.COMPLETED, 100, completed_at=NOW - 3)
    assets = {Asset.VIDEO: "videos/v1/video.mp4"}
    verdict = completed(VIDEO, finished, assets=assets, now=NOW)
    assert verdict.changes == released(
        status=VideoStatus.COMPLETED,
        progress=100,
        completed_at=NOW - 3,
        assets=assets,
        attempts=0,
        cost=0.4,
    )
    without_time = completed(VIDEO, job(VideoStatus.COMPLETED, 100), assets=assets, now=NOW)
    assert without_time.changes is not None and without_time.changes.completed_at == NOW
