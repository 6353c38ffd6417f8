"""Stills made locally from an MP4 (for providers that deliver only the video)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from sora2.providers.simulator.renderer import RenderSpec, render
from sora2.services.media import frames


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clip")
    spec = RenderSpec(prompt="stills", width=320, height=180, seconds=2, seed=7)
    render(spec, folder, should_stop=lambda: False)
    return folder / "video.mp4"


def test_thumbnail_and_spritesheet_from_bytes_or_a_path(mp4: Path) -> None:
    thumbnail, sheet = frames.preview_images(mp4.read_bytes())
    assert frames.preview_images(mp4) == (thumbnail, sheet)
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert (image.format, image.size) == ("WEBP", (320, 180))
    with Image.open(io.BytesIO(sheet)) as image:
        # Ten frames, five a row, each 256 pixels wide.
        assert (image.format, image.size) == ("JPEG", (5 * 256, 2 * 144))


def test_the_last_frame_is_a_png_of_the_video_size(mp4: Path) -> None:
    with Image.open(io.BytesIO(frames.last_frame(mp4))) as image:
        assert (image.format, image.size) == ("PNG", (320, 180))


def test_not_a_video_is_refused() -> None:
    with pytest.raises(frames.UnreadableVideo):
        frames.preview_images(b"definitely not an mp4")
    with pytest.raises(frames.UnreadableVideo):
        frames.last_frame(b"")
