"""Stills made from a video's frames: which frames, how they are scaled, laid out and encoded.

One recipe for the simulator's renderer (frames it draws), `services.media.frames` (frames PyAV
decodes from a provider's MP4) and the MCP server (frames shown to an assistant), so a
thumbnail or a spritesheet looks the same whoever made it. Pure: Pillow images in, images or
encoded bytes out; no I/O and no platform imports. Pillow is imported by the first call, not
with this module: most servers never make a still.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "SPRITE_COLUMNS",
    "SPRITE_COUNT",
    "SPRITE_WIDTH",
    "encode",
    "fit_width",
    "jpeg",
    "scaled",
    "sprite_indices",
    "spritesheet",
    "spritesheet_jpeg",
    "thumbnail_index",
    "thumbnail_webp",
]

SPRITE_COUNT = 10
SPRITE_COLUMNS = 5
SPRITE_WIDTH = 256
THUMBNAIL_QUALITY = 80
THUMBNAIL_METHOD = 2  # libwebp's effort (0-6): 2 is a few times faster than the default 4
SPRITESHEET_QUALITY = 82
JPEG_QUALITY = 80


def thumbnail_index(total: int) -> int:
    """The frame a video of `total` frames is shown by: the middle one."""
    return total // 2


def sprite_indices(total: int) -> frozenset[int]:
    """The frames of the spritesheet: `SPRITE_COUNT` spread evenly, first and last included."""
    return frozenset(round(i * (total - 1) / (SPRITE_COUNT - 1)) for i in range(SPRITE_COUNT))


def scaled(image: Image.Image, width: int) -> Image.Image:
    """`image` resized to `width` pixels wide, keeping its aspect ratio."""
    from PIL import Image

    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.BILINEAR)


def fit_width(image: Image.Image, max_width: int) -> Image.Image:
    """`image` scaled down to `max_width` pixels wide if it is wider; as it is otherwise."""
    return image if image.width <= max_width else scaled(image, max_width)


def spritesheet(sprites: list[Image.Image]) -> Image.Image:
    """The sprites (all the size of the first) in rows of `SPRITE_COLUMNS`, on black."""
    from PIL import Image

    columns = min(SPRITE_COLUMNS, len(sprites))
    rows = -(-len(sprites) // columns)
    cell_w, cell_h = sprites[0].size
    sheet = Image.new("RGB", (cell_w * columns, cell_h * rows), (0, 0, 0))
    for i, sprite in enumerate(sprites):
        sheet.paste(sprite, ((i % columns) * cell_w, (i // columns) * cell_h))
    return sheet


def encode(image: Image.Image, fmt: str, **options: int) -> bytes:
    """`image` as RGB in the format Pillow names `fmt` ("PNG", "JPEG", "WEBP", ...)."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, **options)
    return buffer.getvalue()


def thumbnail_webp(image: Image.Image) -> bytes:
    """A video's thumbnail: the frame at full size, as WebP."""
    return encode(image, "WEBP", quality=THUMBNAIL_QUALITY, method=THUMBNAIL_METHOD)


def spritesheet_jpeg(sprites: list[Image.Image]) -> bytes:
    """A video's spritesheet (see `spritesheet`), as JPEG."""
    return encode(spritesheet(sprites), "JPEG", quality=SPRITESHEET_QUALITY)


def jpeg(image: Image.Image, *, max_width: int) -> tuple[bytes, int, int]:
    """A preview: `image` at most `max_width` wide, as JPEG: (bytes, width, height)."""
    fitted = fit_width(image, max_width)
    return encode(fitted, "JPEG", quality=JPEG_QUALITY), fitted.width, fitted.height
