"""Stills for an assistant to look at: a few frames spread over the video, small JPEGs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from sora2.mcp import frames
from sora2.providers.simulator.renderer import RenderSpec, render


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clip")
    render(
        RenderSpec(prompt="stills", width=640, height=360, seconds=2, seed=3),
        folder,
        should_stop=lambda: False,
    )
    return folder / "video.mp4"


def test_frames_are_spread_over_the_video_and_scaled_down(mp4: Path) -> None:
    stills = frames.sample_frames(mp4, count=4)
    times = [still.seconds for still in stills]
    assert len(stills) == 4 and times == sorted(times)
    assert 0 < times[0] < 0.5 and 1.5 < times[-1] < 2.0  # the middle of each quarter
    for still in stills:
        with Image.open(io.BytesIO(still.jpeg)) as image:
            assert (image.format, image.size) == ("JPEG", (512, 288))
        assert (still.width, still.height) == (512, 288)
    assert len({still.jpeg for still in stills}) == 4  # four different pictures


def test_small_videos_keep_their_size_and_more_frames_than_exist_are_not_invented(
    mp4: Path,
) -> None:
    stills = frames.sample_frames(mp4, count=1000, max_width=800)
    assert (stills[0].width, stills[0].height) == (640, 360)
    assert len(stills) <= 2 * 30  # at most one per frame


def test_any_image_becomes_a_bounded_jpeg() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), "teal").save(buffer, format="WEBP")
    jpeg, width, height = frames.to_jpeg(buffer.getvalue(), max_width=512)
    assert (width, height) == (512, 288)
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"


def test_not_a_video_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"definitely not an mp4")
    with pytest.raises(frames.UnreadableVideo):
        frames.sample_frames(junk, count=2)
    with pytest.raises(ValueError, match="at least 1"):
        frames.sample_frames(junk, count=0)
