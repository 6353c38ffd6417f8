"""prepare_reference_image: content sniffing, size and pixel caps, orientation, letterbox."""

from __future__ import annotations

import io
import resource
import struct
import zlib

import pytest
from PIL import Image, ImageOps

from sora2.errors import InvalidInput, PayloadTooLarge
from sora2.services.media.images import (
    UNREADABLE,
    WRONG_FORMAT,
    format_size,
    prepare_reference_image,
)

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
RED = (255, 0, 0)
BLUE = (0, 0, 255)
BLACK = (0, 0, 0)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def prepare(data: bytes, width: int = 160, height: int = 90, **limits: int) -> Image.Image:
    result = prepare_reference_image(
        data,
        width=width,
        height=height,
        max_bytes=limits.get("max_bytes", MAX_BYTES),
        max_pixels=limits.get("max_pixels", MAX_PIXELS),
    )
    assert result.media_type == "image/png"
    assert result.filename == "reference.png"
    image = Image.open(io.BytesIO(result.data))
    assert image.format == "PNG"
    assert image.mode == "RGB"
    assert image.size == (width, height)
    return image


def close_to(actual: object, expected: tuple[int, int, int], tolerance: int = 12) -> bool:
    assert isinstance(actual, tuple)
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int, rows: int = 4) -> bytes:
    """A tiny grayscale PNG whose header claims `width` x `height` pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(b"\x00" * (width + 1)) for _ in range(rows))
    idat += compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def honest_bomb(side: int) -> bytes:
    """A real `side` x `side` all-black PNG: a few hundred KB that decode to side² bytes."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
@pytest.mark.parametrize(("width", "height"), [(160, 90), (90, 160), (64, 64)])
def test_accepted_formats_come_out_exactly_sized(fmt: str, width: int, height: int) -> None:
    source = Image.new("RGB", (300, 200), RED)
    image = prepare(encode(source, fmt, quality=95), width, height)
    assert close_to(image.getpixel((width // 2, height // 2)), RED)


def test_wide_image_is_letterboxed_top_and_bottom() -> None:
    image = prepare(encode(Image.new("RGB", (400, 100), RED), "PNG"), 160, 90)
    # 400x100 fits as 160x40, centred: 25 black rows above and below.
    assert image.getpixel((80, 0)) == BLACK
    assert image.getpixel((80, 24)) == BLACK
    assert image.getpixel((80, 25)) == RED
    assert image.getpixel((80, 64)) == RED
    assert image.getpixel((80, 65)) == BLACK
    assert image.getpixel((0, 45)) == RED
    assert image.getpixel((159, 45)) == RED


def test_tall_image_is_pillarboxed_and_small_images_are_scaled_up() -> None:
    image = prepare(encode(Image.new("RGB", (10, 20), BLUE), "PNG"), 160, 90)
    # 10x20 scaled up to 45x90, centred between black bars.
    assert image.getpixel((0, 45)) == BLACK
    assert image.getpixel((56, 45)) == BLACK
    assert image.getpixel((57, 45)) == BLUE
    assert image.getpixel((101, 45)) == BLUE
    assert image.getpixel((102, 45)) == BLACK


def test_large_jpeg_is_reduced() -> None:
    source = Image.new("RGB", (4000, 3000), BLUE)
    image = prepare(encode(source, "JPEG", quality=90), 1280, 720)
    assert close_to(image.getpixel((640, 360)), BLUE)
    assert image.getpixel((100, 360)) == BLACK  # 4:3 in 16:9: pillarboxed


# A mid-grey in each mode (opaque where the mode has alpha), and the grey it must come out as.
MODES = [
    ("RGBA", (128, 128, 128, 255)),
    ("LA", (128, 255)),
    ("P", 128),
    ("L", 128),
    ("I;16", 128 * 257),
    ("CMYK", (0, 0, 0, 127)),
]


@pytest.mark.parametrize(("mode", "grey"), MODES, ids=[mode for mode, _grey in MODES])
def test_other_modes_become_rgb_keeping_their_colour(mode: str, grey: object) -> None:
    source = Image.new(mode, (32, 18), grey)  # type: ignore[arg-type]
    if mode == "P":
        source.putpalette([value for i in range(256) for value in (i, i, i)])
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    image = prepare(encode(source, fmt), 32, 18)
    assert image.mode == "RGB"
    r, g, b = image.getpixel((16, 9))  # type: ignore[misc]
    assert max(abs(r - 128), abs(g - 128), abs(b - 128)) <= 3, (r, g, b)


def test_a_one_bit_image_becomes_black_and_white_rgb() -> None:
    source = Image.new("1", (32, 18), 0)
    source.paste(1, (0, 0, 16, 18))
    image = prepare(encode(source, "PNG"), 32, 18)
    assert image.mode == "RGB"
    assert image.getpixel((4, 9)) == (255, 255, 255)
    assert image.getpixel((28, 9)) == BLACK


def test_transparency_becomes_black() -> None:
    source = Image.new("RGBA", (32, 18), (255, 255, 255, 0))
    source.paste((255, 0, 0, 255), (0, 0, 16, 18))
    image = prepare(encode(source, "PNG"), 32, 18)
    assert image.getpixel((4, 9)) == RED
    assert image.getpixel((28, 9)) == BLACK


def test_metadata_is_stripped() -> None:
    source = Image.new("RGB", (64, 36), RED)
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS info
    data = encode(source, "JPEG", exif=exif, icc_profile=b"not really a profile" * 10)

    result = prepare_reference_image(
        data, width=64, height=36, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS
    )

    assert b"SecretCam" not in result.data
    image = Image.open(io.BytesIO(result.data))
    assert not image.getexif()
    assert "icc_profile" not in image.info
    assert "exif" not in image.info


def test_animated_webp_uses_the_first_frame() -> None:
    frames = [Image.new("RGB", (32, 18), color) for color in (RED, BLUE)]
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)
    image = prepare(out.getvalue(), 32, 18)
    assert close_to(image.getpixel((16, 9)), RED)


# --------------------------------------------------------------------------- orientation


def oriented(orientation: int, fmt: str) -> bytes:
    """A 40x20 image, red left and blue right, tagged with an EXIF orientation."""
    source = Image.new("RGB", (40, 20), BLUE)
    source.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(source, fmt, exif=exif, quality=95)


def test_exif_orientation_6_turns_a_jpeg_upright() -> None:
    # Orientation 6: shown rotated 90° clockwise, so the red left half ends up on top.
    image = prepare(oriented(6, "JPEG"), 20, 40)
    assert close_to(image.getpixel((10, 5)), RED, tolerance=30)
    assert close_to(image.getpixel((10, 35)), BLUE, tolerance=30)
    # Upright it fills 20x40 exactly: no letterbox at all.
    assert not close_to(image.getpixel((10, 0)), BLACK, tolerance=30)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(orientation: int) -> None:
    data = oriented(orientation, "PNG")
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")

    image = prepare(data, *expected.size)

    assert image.tobytes() == expected.tobytes()


# --------------------------------------------------------------------------- refused


def test_oversize_is_payload_too_large() -> None:
    data = encode(Image.new("RGB", (8, 8)), "PNG")
    with pytest.raises(PayloadTooLarge, match=r"^reference image is larger than 10 MiB$"):
        prepare_reference_image(
            data + b"\x00" * (MAX_BYTES - len(data) + 1),
            width=16,
            height=16,
            max_bytes=MAX_BYTES,
            max_pixels=MAX_PIXELS,
        )
    with pytest.raises(PayloadTooLarge, match="larger than 100 bytes"):
        prepare_reference_image(
            b"x" * 101, width=16, height=16, max_bytes=100, max_pixels=MAX_PIXELS
        )


def test_exactly_max_bytes_is_accepted() -> None:
    data = encode(Image.new("RGB", (8, 8)), "PNG")
    prepare(data, max_bytes=len(data))


@pytest.mark.parametrize(
    ("size", "text"),
    [(10 << 20, "10 MiB"), (1536, "1.5 KiB"), (100, "100 bytes"), (2 << 30, "2 GiB")],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


def wav_header() -> bytes:
    return b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + b"\x00" * 24


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(encode(Image.new("RGB", (8, 8)), "GIF"), id="gif"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "BMP"), id="bmp"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "TIFF"), id="tiff"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "ICO"), id="ico"),
        pytest.param(b"just some text, not an image", id="text"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
        pytest.param(b"", id="empty"),
        pytest.param(wav_header(), id="riff-but-not-webp"),
    ],
)
def test_other_formats_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match=f"^{WRONG_FORMAT}$"):
        prepare(data)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


NOISE = Image.effect_noise((64, 64), 64).convert("RGB")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, id="png-magic-garbage"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="png-magic-only"),
        pytest.param(b"\xff\xd8\xff" + b"garbage" * 20, id="jpeg-magic-garbage"),
        pytest.param(b"RIFF\x10\x00\x00\x00WEBPVP8 garbage", id="webp-magic-garbage"),
        pytest.param(truncated(encode(NOISE, "PNG")), id="truncated-png"),
        pytest.param(truncated(encode(NOISE, "JPEG")), id="truncated-jpeg"),
        pytest.param(truncated(encode(NOISE, "WEBP")), id="truncated-webp"),
        pytest.param(png_claiming(0, 10), id="zero-width"),
    ],
)
def test_corrupt_images_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        prepare(data)
    assert caught.type is InvalidInput  # not PayloadTooLarge
    assert caught.value.message == UNREADABLE


def test_a_png_claiming_50000x50000_is_refused_without_decoding() -> None:
    bomb = png_claiming(50_000, 50_000)
    assert len(bomb) < 1024
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    with pytest.raises(InvalidInput, match=r"too large: 50000x50000 pixels"):
        prepare(bomb)

    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kib < 100 * 1024  # decoding would need 2.5 GB


def test_a_real_compressed_bomb_is_refused() -> None:
    bomb = honest_bomb(8000)  # 64 Mpx of black in well under 1 MB
    assert len(bomb) < MAX_BYTES
    with pytest.raises(InvalidInput, match="too large: 8000x8000"):
        prepare(bomb)


def test_max_pixels_boundary() -> None:
    data = encode(Image.new("RGB", (100, 100), RED), "PNG")
    prepare(data, max_pixels=10_000)
    with pytest.raises(InvalidInput, match=r"100x100 pixels \(at most 9999 pixels\)"):
        prepare(data, max_pixels=9_999)


def test_pillow_limit_is_enforced_without_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    # Even with a generous configured cap, sizes Pillow itself considers bombs are refused,
    # as InvalidInput (warnings are errors in this suite: a warning would fail the test).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    data = encode(Image.new("RGB", (40, 40), RED), "PNG")
    with pytest.raises(InvalidInput, match="at most 1000 pixels"):
        prepare(data, max_pixels=10**12)

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    prepare(data, max_pixels=10**12)
