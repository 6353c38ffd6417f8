"""Render a simulated clip: a real H.264 + AAC MP4, a WebP thumbnail and a JPEG spritesheet.

Cheap by construction, so a laptop can "generate" many videos: the text layer is drawn once with
Pillow, and each frame is a slice of a precomputed periodic gradient plus a few small numpy blends.
Everything here is synchronous and CPU bound; the simulator runs it in a worker pool.
"""

from __future__ import annotations

import colorsys
import contextlib
import io
import os
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont, ImageOps

from sora2.providers.simulator.audio import AUDIO_RATE, synthesize
from sora2.providers.simulator.spec import (
    SPRITESHEET_FILE,
    THUMBNAIL_FILE,
    VIDEO_FILE,
    RenderCancelled,
    RenderSpec,
    seed_for,
)
from sora2.stills import (
    SPRITE_WIDTH,
    scaled,
    sprite_indices,
    spritesheet_jpeg,
    thumbnail_index,
    thumbnail_webp,
)

__all__ = [
    "SPRITESHEET_FILE",
    "THUMBNAIL_FILE",
    "VIDEO_FILE",
    "RenderCancelled",
    "RenderSpec",
    "render",
    "seed_for",
]

FPS = 24
FADE_SECONDS = 1.0

Pixels = npt.NDArray[np.uint8]


def render(spec: RenderSpec, out_dir: Path, *, should_stop: Callable[[], bool]) -> None:
    """Write video.mp4, thumbnail.webp and spritesheet.jpg into `out_dir`, each atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".*.tmp"):  # left by a render that was killed mid-way
        stale.unlink(missing_ok=True)
    total = spec.seconds * FPS
    thumb_at = thumbnail_index(total)
    sprite_at = sprite_indices(total)
    thumbnail: Image.Image | None = None
    sprites: list[Image.Image] = []
    video_tmp = _temp_name(out_dir, VIDEO_FILE)
    try:
        with _Encoder(video_tmp, spec) as encoder:
            for index, frame in enumerate(_frames(spec)):
                if should_stop():
                    raise RenderCancelled(spec.prompt)
                encoder.add(frame)
                if index == thumb_at:
                    thumbnail = Image.fromarray(frame)
                if index in sprite_at:
                    sprites.append(scaled(Image.fromarray(frame), SPRITE_WIDTH))
        assert thumbnail is not None
        _save(thumbnail_webp(thumbnail), out_dir / THUMBNAIL_FILE)
        _save(spritesheet_jpeg(sprites), out_dir / SPRITESHEET_FILE)
        # The video goes last: its presence means the whole set is there.
        video_tmp.replace(out_dir / VIDEO_FILE)
    finally:
        video_tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- encoding


class _Encoder:
    """A libx264 + AAC muxer that interleaves audio with video as frames arrive."""

    def __init__(self, path: Path, spec: RenderSpec) -> None:
        # faststart moves the index to the front so a browser can play while downloading.
        self._container = av.open(
            str(path), mode="w", format="mp4", options={"movflags": "+faststart"}
        )
        video = self._container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = spec.width, spec.height, "yuv420p"
        video.time_base = Fraction(1, FPS)
        # One thread per encoder: the simulator parallelises across jobs, not within one.
        video.codec_context.thread_count = 1
        video.options = {"preset": "ultrafast", "crf": "26"}
        audio = self._container.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
        self._video, self._audio = video, audio
        self._samples = synthesize(spec.seconds, seed=spec.seed)  # (2, n) float32
        self._audio_sent = 0
        self._frames = 0

    def __enter__(self) -> _Encoder:
        return self

    def add(self, pixels: Pixels) -> None:
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
        frame.pts = self._frames
        self._frames += 1
        self._container.mux(self._video.encode(frame))
        self._send_audio(until=self._frames * AUDIO_RATE // FPS)

    def _send_audio(self, *, until: int) -> None:
        """Encode whole AAC frames up to sample `until`; at the very end, the short last one."""
        size = self._audio.codec_context.frame_size or 1024
        total = self._samples.shape[1]
        while self._audio_sent + size <= until or (until == total and self._audio_sent < total):
            chunk = self._samples[:, self._audio_sent : self._audio_sent + size]
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(chunk), format="fltp", layout="stereo"
            )
            frame.sample_rate, frame.pts = AUDIO_RATE, self._audio_sent
            self._audio_sent += chunk.shape[1]
            self._container.mux(self._audio.encode(frame))

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            # The half-written file is discarded; closing it must not hide why the render stopped.
            with contextlib.suppress(av.FFmpegError, OSError):
                self._container.close()
            return
        try:
            self._send_audio(until=self._samples.shape[1])
            self._container.mux(self._video.encode(None))
            self._container.mux(self._audio.encode(None))
        finally:
            self._container.close()


# --------------------------------------------------------------------------- frames


def _frames(spec: RenderSpec) -> Iterator[Pixels]:
    width, height, total = spec.width, spec.height, spec.seconds * FPS
    palette = _palette(spec.seed)
    period = max(width, height) // 2 // 8 * 8  # a multiple of the gradient's scale
    strip = _gradient(width + period, height + period, period, palette[:3])
    text_rgb, text_alpha, text_top = _text_layer(spec, palette)
    text_bottom = text_top + text_alpha.shape[0]
    blobs = _blobs(spec, palette)
    reference = _reference(spec)
    fade = max(1, round(FADE_SECONDS * FPS))
    bar_h = max(6, height // 90)
    clock_font = _font(max(14, min(width, height) // 28))
    for index in range(total):
        t = index / FPS
        # Diagonal drift of the periodic gradient: a view into the strip, then one copy.
        ox = int(index * period / (4 * FPS)) % period
        oy = int(index * period / (6 * FPS)) % period
        frame = strip[oy : oy + height, ox : ox + width].copy()
        for blob in blobs:
            blob.stamp(frame, t)
        region = frame[text_top:text_bottom]
        region[:] = ((region * text_alpha + text_rgb) >> 8).astype(np.uint8)
        _progress(frame, (index + 1) / total, bar_h)
        _clock(frame, f"{t:05.2f}s / {spec.seconds}s", clock_font, bar_h)
        if reference is not None and index < fade:
            # Frame 0 is the reference image itself; it dissolves into the animation.
            a = index / fade
            frame = (reference * (1 - a) + frame * a).astype(np.uint8)
        yield frame


# (hue shift, lightness, saturation): three analogous hues for the background and a dark
# complement for the text panel.
_TONES = ((0.0, 0.22, 0.55), (0.07, 0.42, 0.6), (0.16, 0.62, 0.55), (0.5, 0.14, 0.3))


def _palette(seed: int) -> list[tuple[int, int, int]]:
    hue = (seed % 360) / 360
    colors = []
    for shift, light, sat in _TONES:
        r, g, b = colorsys.hls_to_rgb((hue + shift) % 1.0, light, sat)
        colors.append((int(r * 255), int(g * 255), int(b * 255)))
    return colors


def _gradient(width: int, height: int, period: int, palette: list[tuple[int, int, int]]) -> Pixels:
    """A diagonal cosine blend through the palette, periodic in x and y by `period`.

    Computed at a quarter of the resolution and upscaled: the blend is smooth, and this makes
    the one-off cost of a render a few times smaller."""
    scale = 4
    low_w, low_h, low_period = -(-width // scale), -(-height // scale), period / scale
    x = np.arange(low_w, dtype=np.float32)[None, :] / low_period
    y = np.arange(low_h, dtype=np.float32)[:, None] / low_period
    phase = (np.cos(2 * np.pi * (x + y)) + np.cos(2 * np.pi * (x - 2 * y)) * 0.5 + 1.5) / 3.0
    stops = np.array(palette, dtype=np.float32)
    pos = phase * (len(stops) - 1)
    low = np.clip(pos.astype(np.int32), 0, len(stops) - 2)
    frac = (pos - low)[..., None]
    small = (stops[low] * (1 - frac) + stops[low + 1] * frac).astype(np.uint8)
    big = Image.fromarray(small).resize((low_w * scale, low_h * scale), Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(big)[:height, :width])


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text_layer(
    spec: RenderSpec, palette: list[tuple[int, int, int]]
) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.uint16], int]:
    """The prompt on a translucent panel, as premultiplied colour and inverse alpha (uint16)."""
    width, height = spec.width, spec.height
    size = max(16, min(width, height) // 22)
    font, small = _font(size), _font(max(12, size * 3 // 5))
    chars = max(12, int(width * 0.84 / (size * 0.48)))
    lines = textwrap.wrap(spec.prompt, width=chars, max_lines=8, placeholder=" ...") or [" "]
    pad = size
    panel_h = pad + int(size * 1.25) * len(lines) + int(size * 0.9)
    panel_h = min(panel_h, height - 4 * pad)
    top = max(0, (height - panel_h) // 2)
    layer = Image.new("RGBA", (width, panel_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rounded_rectangle(
        (pad, 0, width - pad, panel_h - 1), radius=pad // 2, fill=(*palette[3], 170)
    )
    draw.text((pad * 2, pad // 2), spec.label, font=small, fill=(235, 235, 235, 200))
    y = pad // 2 + int(size * 0.9)
    for line in lines:
        draw.text((pad * 2 + 2, y + 2), line, font=font, fill=(0, 0, 0, 200))
        draw.text((pad * 2, y), line, font=font, fill=(255, 255, 255, 255))
        y += int(size * 1.25)
    rgba = np.asarray(layer, dtype=np.uint16)
    alpha = rgba[..., 3:4]
    return rgba[..., :3] * alpha, (255 - alpha), top


@dataclass(slots=True)
class _Blob:
    """A soft disc gliding on a Lissajous path; stamped onto the frame with its own alpha."""

    sprite: npt.NDArray[np.uint16]  # premultiplied colour
    inv_alpha: npt.NDArray[np.uint16]
    width: int
    height: int
    fx: float
    fy: float
    phase: float

    def stamp(self, frame: Pixels, t: float) -> None:
        size = self.sprite.shape[0]
        cx = (np.sin(2 * np.pi * self.fx * t + self.phase) + 1) / 2
        cy = (np.cos(2 * np.pi * self.fy * t + self.phase * 1.7) + 1) / 2
        x, y = int(cx * (self.width - size)), int(cy * (self.height - size))
        region = frame[y : y + size, x : x + size]
        region[:] = ((region * self.inv_alpha + self.sprite) >> 8).astype(np.uint8)


def _blobs(spec: RenderSpec, palette: list[tuple[int, int, int]]) -> list[_Blob]:
    size = max(8, min(spec.width, spec.height) // 4)
    grid = np.linspace(-1, 1, size, dtype=np.float32)
    dist = np.sqrt(grid[None, :] ** 2 + grid[:, None] ** 2)
    alpha = (np.clip(1 - dist, 0, 1) ** 1.5 * 150).astype(np.uint16)[..., None]
    blobs = []
    for i, color in enumerate((palette[1], palette[2], (255, 255, 255))):
        sprite = np.array(color, dtype=np.uint16)[None, None, :] * alpha
        blobs.append(
            _Blob(
                sprite=sprite,
                inv_alpha=255 - alpha,
                width=spec.width,
                height=spec.height,
                fx=0.11 + 0.05 * i + (spec.seed >> (4 * i) & 7) / 100,
                fy=0.07 + 0.04 * i,
                phase=(spec.seed >> (8 * i) & 255) / 40,
            )
        )
    return blobs


def _progress(frame: Pixels, done: float, bar_h: int) -> None:
    height, width = frame.shape[:2]
    frame[height - bar_h :, :] //= 3
    frame[height - bar_h :, : max(1, int(width * done))] = (250, 250, 250)


def _clock(
    frame: Pixels, text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, bar_h: int
) -> None:
    """A timecode above the progress bar (a tiny image drawn per frame: cheap)."""
    _left, _top, right, bottom = font.getbbox(text)
    box = Image.new("L", (int(right) + 4, int(bottom) + 4), 0)
    ImageDraw.Draw(box).text((2, 2), text, font=font, fill=255)
    mask = np.asarray(box)
    h, w = mask.shape
    height, width = frame.shape[:2]
    y, x = height - bar_h - h - bar_h, width - w - bar_h * 2
    if x < 0 or y < 0:
        return
    region = frame[y : y + h, x : x + w]
    region[mask > 127] = 255


def _reference(spec: RenderSpec) -> npt.NDArray[np.float32] | None:
    if spec.reference is None:
        return None
    with Image.open(io.BytesIO(spec.reference)) as raw:
        image = ImageOps.exif_transpose(raw).convert("RGB")
    padded = ImageOps.pad(image, (spec.width, spec.height), color=(0, 0, 0))
    return np.asarray(padded, dtype=np.float32)


# --------------------------------------------------------------------------- files


def _save(data: bytes, path: Path) -> None:
    tmp = _temp_name(path.parent, path.name)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _temp_name(folder: Path, name: str) -> Path:
    return folder / f".{name}.{uuid.uuid4().hex}.tmp"
