"""Check and normalise a reference (first-frame) image before it is stored or sent upstream.

Synchronous CPU work: callers run `prepare_reference_image` in a worker thread.

The format is identified from the bytes, never from the client's file name or content type, and
the pixel count is read from the header before anything is decoded. The image is opened with
the format's own Pillow plugin rather than `Image.open`, so Pillow's global decompression-bomb
check (a process-wide warning filter and limit) is replaced by our explicit, thread-safe one.
Pillow itself is imported by the first image checked, not when the server starts.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import TYPE_CHECKING

from sora2.errors import InvalidInput, PayloadTooLarge
from sora2.ports import ReferenceImage

if TYPE_CHECKING:
    from PIL import Image, ImageFile

WRONG_FORMAT = "input_reference must be a JPEG, PNG or WebP image"
UNREADABLE = "input_reference is not a readable image (corrupt or truncated)"

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

# EXIF orientation -> the `Image.Transpose` that shows the image upright (as
# ImageOps.exif_transpose).
_ORIENTATION_FIX: dict[int, str] = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}
_SWAPS_AXES = frozenset({5, 6, 7, 8})
_EXIF_ORIENTATION = 0x0112

# What a hostile or broken file makes Pillow raise while parsing or decoding (with Pillow's
# decompression-bomb error and warning, added once Pillow is imported).
_DECODE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    KeyError,
    struct.error,
    zlib.error,
)


def prepare_reference_image(
    data: bytes, *, width: int, height: int, max_bytes: int, max_pixels: int
) -> ReferenceImage:
    """Validate an uploaded image and return it upright, RGB, letterboxed to exactly
    `width` x `height`, re-encoded as a metadata-free PNG.

    Raises PayloadTooLarge above `max_bytes`, InvalidInput for anything that is not a sane
    JPEG, PNG or WebP image of at most `max_pixels` pixels."""
    if width <= 0 or height <= 0:
        raise ValueError("target width and height must be positive")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"reference image is larger than {format_size(max_bytes)}")
    plugin = _sniff(data)
    if plugin is None:
        raise InvalidInput(WRONG_FORMAT)
    from PIL import Image

    decode_errors: tuple[type[BaseException], ...] = (
        *_DECODE_ERRORS,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    )
    try:
        image = plugin(io.BytesIO(data))
    except decode_errors as exc:
        raise InvalidInput(UNREADABLE) from exc
    with image:
        src_width, src_height = image.size
        if src_width <= 0 or src_height <= 0:
            raise InvalidInput(UNREADABLE)
        _check_pixels(src_width, src_height, max_pixels)
        try:
            canvas = _render(image, width, height)
        except decode_errors as exc:
            raise InvalidInput(UNREADABLE) from exc
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return ReferenceImage(data=out.getvalue(), media_type="image/png", filename="reference.png")


def format_size(size: int) -> str:
    """`10485760` -> `10 MiB`; exact when it can be."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            value = size / factor
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def _sniff(data: bytes) -> type[ImageFile.ImageFile] | None:
    from PIL import JpegImagePlugin, PngImagePlugin, WebPImagePlugin

    if data.startswith(_PNG_MAGIC):
        return PngImagePlugin.PngImageFile
    if data.startswith(_JPEG_MAGIC):
        return JpegImagePlugin.JpegImageFile
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WebPImagePlugin.WebPImageFile
    return None


def _check_pixels(src_width: int, src_height: int, max_pixels: int) -> None:
    from PIL import Image

    # Pillow's own limit too: above it, its other code paths may warn or refuse.
    limit = max_pixels
    if Image.MAX_IMAGE_PIXELS is not None:
        limit = min(limit, Image.MAX_IMAGE_PIXELS)
    if src_width * src_height > limit:
        raise InvalidInput(
            f"input_reference is too large: {src_width}x{src_height} pixels "
            f"(at most {limit} pixels)"
        )


def _render(image: ImageFile.ImageFile, width: int, height: int) -> Image.Image:
    from PIL import Image

    orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    name = _ORIENTATION_FIX.get(orientation) if isinstance(orientation, int) else None
    fix = None if name is None else Image.Transpose[name]
    swaps = fix is not None and orientation in _SWAPS_AXES
    # The target box as seen by the stored (not yet rotated) pixels.
    box_w, box_h = (height, width) if swaps else (width, height)
    fit_w, fit_h = _fit(image.size, (box_w, box_h))
    if image.format == "JPEG":
        image.draft("RGB", (fit_w, fit_h))  # decode at 1/2..1/8 scale when that suffices
    image.load()

    pixels: Image.Image = image
    if pixels.mode.startswith("I;16"):
        # 16-bit grey: Pillow's conversion clips it to 8 bits (mid-grey turns white); scale it.
        pixels = pixels.convert("I").point(lambda value: value / 257).convert("L")
    if pixels.mode not in ("RGB", "RGBA"):
        pixels = pixels.convert("RGBA" if pixels.has_transparency_data else "RGB")
    elif pixels.mode == "RGBA" and not pixels.has_transparency_data:
        pixels = pixels.convert("RGB")
    if pixels.size != (fit_w, fit_h):
        pixels = pixels.resize((fit_w, fit_h), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if fix is not None:
        pixels = pixels.transpose(fix)

    canvas = Image.new("RGB", (width, height))  # black letterbox
    offset = ((width - pixels.width) // 2, (height - pixels.height) // 2)
    mask = pixels if pixels.mode == "RGBA" else None  # transparency shows black
    canvas.paste(pixels, offset, mask)
    return canvas


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The largest size with the aspect ratio of `size` that fits in `box` (at least 1x1)."""
    src_w, src_h = size
    box_w, box_h = box
    if src_w * box_h >= src_h * box_w:  # wider than the box: width decides
        return box_w, max(1, min(box_h, round(src_h * box_w / src_w)))
    return max(1, min(box_w, round(src_w * box_h / src_h))), box_h
