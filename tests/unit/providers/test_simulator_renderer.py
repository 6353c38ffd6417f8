"""The simulator's renderer writes real, playable media of exactly the requested shape."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from sora2.providers.simulator.audio import AUDIO_RATE, synthesize
from sora2.providers.simulator.renderer import (
    FPS,
    SPRITESHEET_FILE,
    THUMBNAIL_FILE,
    VIDEO_FILE,
    RenderCancelled,
    RenderSpec,
    render,
    seed_for,
)
from tests.support.media import probe

PROMPT = "A lighthouse keeper feeds seagulls at dawn"


def spec(**changes: object) -> RenderSpec:
    values: dict[str, object] = {
        "prompt": PROMPT,
        "width": 256,
        "height": 144,
        "seconds": 4,
        "seed": seed_for(PROMPT),
        "label": "sora-2 test",
    }
    values.update(changes)
    return RenderSpec(**values)  # type: ignore[arg-type]


def frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def never() -> bool:
    return False


@pytest.fixture(scope="module")
def landscape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full-size clip, shared: 1280x720 is the size people use most."""
    out = tmp_path_factory.mktemp("landscape")
    render(spec(width=1280, height=720), out, should_stop=never)
    return out


def test_video_is_h264_with_aac_at_the_exact_size_and_length(landscape: Path) -> None:
    info = probe(landscape / VIDEO_FILE)
    assert (info.width, info.height) == (1280, 720)
    assert info.video_codec == "h264"
    assert info.audio_codec == "aac"
    assert info.fps == FPS
    assert info.frames == 4 * FPS
    with av.open(str(landscape / VIDEO_FILE)) as container:
        video = container.streams.video[0]
        assert video.codec_context.pix_fmt == "yuv420p"
        assert container.duration is not None
        assert abs(container.duration / 1_000_000 - 4) <= 1 / FPS
        audio = container.streams.audio[0]
        assert audio.rate == AUDIO_RATE
        assert audio.duration is not None
        assert audio.time_base is not None
        assert abs(float(audio.duration * audio.time_base) - 4) <= 1 / FPS


@pytest.mark.parametrize("seconds", [8, 12])
def test_every_duration_is_exact_to_one_frame(tmp_path: Path, seconds: int) -> None:
    render(spec(seconds=seconds), tmp_path, should_stop=never)
    info = probe(tmp_path / VIDEO_FILE)
    assert abs(info.duration - seconds) <= 1 / FPS
    assert info.frames == seconds * FPS


def test_portrait_size_is_exact(tmp_path: Path) -> None:
    render(spec(width=144, height=256), tmp_path, should_stop=never)
    info = probe(tmp_path / VIDEO_FILE)
    assert (info.width, info.height) == (144, 256)


def test_frames_change_over_time(landscape: Path) -> None:
    decoded = frames(landscape / VIDEO_FILE)
    first, middle, last = decoded[0], decoded[len(decoded) // 2], decoded[-1]
    assert np.abs(first.astype(int) - middle.astype(int)).mean() > 3
    assert np.abs(middle.astype(int) - last.astype(int)).mean() > 3


def test_the_prompt_panel_is_drawn(landscape: Path) -> None:
    frame = frames(landscape / VIDEO_FILE)[10].astype(int)
    # The text panel sits in the middle band; white glyphs make it far busier than the sky.
    band = frame[300:420, 80:1200]
    assert (band.min(axis=2) > 220).mean() > 0.01


def test_thumbnail_is_webp_and_spritesheet_is_a_jpeg_grid(landscape: Path) -> None:
    with Image.open(landscape / THUMBNAIL_FILE) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.size == (1280, 720)
    with Image.open(landscape / SPRITESHEET_FILE) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == (256 * 5, 144 * 2)  # ten 256-wide frames, five per row


def test_no_temporary_files_remain(landscape: Path) -> None:
    assert sorted(p.name for p in landscape.iterdir()) == sorted(
        [SPRITESHEET_FILE, THUMBNAIL_FILE, VIDEO_FILE]
    )


def test_first_frame_is_the_reference_image_then_it_fades(tmp_path: Path) -> None:
    image = Image.new("RGB", (128, 72), (230, 40, 40))  # padded into 256x144, same aspect
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    render(spec(reference=buffer.getvalue()), tmp_path, should_stop=never)
    decoded = frames(tmp_path / VIDEO_FILE)
    red = np.array([230, 40, 40])
    assert np.abs(decoded[0].astype(int) - red).mean() < 12
    assert np.abs(decoded[FPS * 2].astype(int) - red).mean() > 40


def test_a_remix_palette_differs(tmp_path: Path) -> None:
    render(spec(), tmp_path / "a", should_stop=never)
    render(spec(seed=seed_for(PROMPT, "video_source")), tmp_path / "b", should_stop=never)
    a, b = frames(tmp_path / "a" / VIDEO_FILE)[0], frames(tmp_path / "b" / VIDEO_FILE)[0]
    assert np.abs(a.mean(axis=(0, 1)) - b.mean(axis=(0, 1))).max() > 10


def test_a_stopped_render_leaves_nothing_behind(tmp_path: Path) -> None:
    calls = iter(range(1000))
    with pytest.raises(RenderCancelled):
        render(spec(), tmp_path, should_stop=lambda: next(calls) >= 5)
    assert list(tmp_path.iterdir()) == []


def test_soundtrack_is_stereo_exact_length_and_not_silent() -> None:
    samples = synthesize(4, seed=7)
    assert samples.shape == (2, 4 * AUDIO_RATE)
    assert 0.05 < np.abs(samples).max() <= 1.0
    # The chord changes every second: the spectrum of second 1 differs from second 2.
    one = np.abs(np.fft.rfft(samples[0, AUDIO_RATE : 2 * AUDIO_RATE]))
    two = np.abs(np.fft.rfft(samples[0, 2 * AUDIO_RATE : 3 * AUDIO_RATE]))
    assert one.argmax() != two.argmax()
