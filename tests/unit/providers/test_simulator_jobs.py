"""The simulated lifecycle is a pure function of the clock: monotonic, restart-proof."""

from __future__ import annotations

from dataclasses import replace

from sora2.providers.simulator.jobs import Job, new_video_id, state_at, to_openai

T0 = 1_800_000_000.0


def job(**changes: object) -> Job:
    base = Job(
        id=new_video_id(),
        created_at=T0,
        model="sora-2",
        size="1280x720",
        seconds=4,
        prompt="a calm lake",
        job_seconds=10.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_queued_then_in_progress_then_completed_once_rendered() -> None:
    rendered = job(rendered_at=T0 + 3)
    assert state_at(rendered, T0).status == "queued"
    assert state_at(rendered, T0 + 0.99).status == "queued"
    assert state_at(rendered, T0 + 1.0).status == "in_progress"
    done = state_at(rendered, T0 + 10)
    assert (done.status, done.progress, done.completed_at) == ("completed", 100, T0 + 10)


def test_progress_never_decreases_and_waits_for_the_render() -> None:
    pending = job()
    seen = [state_at(pending, T0 + step / 10).progress for step in range(200)]
    assert seen == sorted(seen)
    assert seen[-1] == 99
    assert state_at(pending, T0 + 60).status == "in_progress"  # not rendered yet
    late = job(rendered_at=T0 + 30)
    assert state_at(late, T0 + 31).completed_at == T0 + 30


def test_fail_marker_fails_at_half_time_with_a_moderation_error() -> None:
    failing = job(prompt="a [FAIL] on purpose")
    assert state_at(failing, T0 + 4.9).status == "in_progress"
    failed = state_at(failing, T0 + 5)
    assert failed.status == "failed"
    assert failed.error_code == "moderation_blocked"
    assert failed.error_message is not None
    assert "moderation" in failed.error_message
    assert not failing.needs_render


def test_zero_duration_completes_as_soon_as_rendered() -> None:
    instant = job(job_seconds=0.0)
    assert state_at(instant, T0).status == "in_progress"
    assert state_at(replace(instant, rendered_at=T0 + 0.4), T0 + 0.5).status == "completed"


def test_a_render_error_is_a_failed_job() -> None:
    broken = job(render_error="ValueError: boom")
    assert state_at(broken, T0 + 2).status == "failed"
    assert state_at(broken, T0 + 2).error_code == "internal_error"


def test_openai_shape() -> None:
    rendered = job(rendered_at=T0 + 1, remixed_from="video_abc")
    body = to_openai(rendered, state_at(rendered, T0 + 11))
    assert body == {
        "id": rendered.id,
        "object": "video",
        "created_at": int(T0),
        "completed_at": int(T0 + 10),
        "expires_at": int(T0 + 10) + 3600,
        "error": None,
        "model": "sora-2",
        "progress": 100,
        "prompt": "a calm lake",
        "remixed_from_video_id": "video_abc",
        "seconds": "4",
        "size": "1280x720",
        "status": "completed",
    }
    assert rendered.id.startswith("video_")
    assert len(rendered.id) == 38
