"""Stills (sora2.stills): the one recipe for thumbnails, spritesheets and previews."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from PIL import Image

from sora2 import stills

STILLS = Path(__file__).resolve().parents[2] / "src" / "sora2" / "stills.py"


def _decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_the_thumbnail_is_the_middle_frame_and_sprites_span_the_whole_video() -> None:
    assert stills.thumbnail_index(240) == 120
    picked = sorted(stills.sprite_indices(240))
    assert len(picked) == 10 and (picked[0], picked[-1]) == (0, 239)
    # A video shorter than the sheet: each frame once, none invented.
    assert stills.sprite_indices(3) == {0, 1, 2}


def test_scaling_keeps_the_aspect_ratio_and_fitting_never_enlarges() -> None:
    wide = Image.new("RGB", (1280, 720))
    assert stills.scaled(wide, 256).size == (256, 144)
    assert stills.fit_width(wide, 512).size == (512, 288)
    small = Image.new("RGB", (320, 180))
    assert stills.fit_width(small, 512) is small


def test_the_spritesheet_is_a_grid_of_five_columns() -> None:
    colours = [(i * 20, 0, 0) for i in range(7)]
    sprites = [Image.new("RGB", (256, 144), colour) for colour in colours]
    with _decoded(stills.spritesheet_jpeg(sprites)) as sheet:
        assert (sheet.format, sheet.size) == ("JPEG", (5 * 256, 2 * 144))
        # The seventh sprite is second in the second row; the rest of that row is black.
        assert sheet.getpixel((256 + 128, 144 + 72)) == pytest.approx((120, 0, 0), abs=8)
        assert sheet.getpixel((4 * 256 + 128, 144 + 72)) == pytest.approx((0, 0, 0), abs=8)


def test_the_thumbnail_is_a_full_size_webp() -> None:
    with _decoded(stills.thumbnail_webp(Image.new("RGB", (320, 180), (10, 200, 30)))) as image:
        assert (image.format, image.size) == ("WEBP", (320, 180))


@pytest.mark.parametrize("mode", ["RGBA", "P", "L"])
def test_previews_of_any_image_mode_are_rgb_jpegs(mode: str) -> None:
    data, width, height = stills.jpeg(Image.new(mode, (1024, 768)), max_width=512)
    with _decoded(data) as image:
        assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (512, 384))
    assert (width, height) == (512, 384)


def test_stills_is_pure() -> None:
    # Shared by the simulator, the services and MCP, so it may import none of them.
    tree = ast.parse(STILLS.read_text())
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    assert "PIL" in modules and not {name for name in modules if name.startswith("sora2")}
