"""Stills from an MP4, made locally with PyAV: thumbnail, spritesheet and last frame.

For providers that deliver only the video (Veo), and for continuing a video from its last frame.
Synchronous CPU work: callers run these in a worker thread. PyAV and Pillow are imported by the
first call (so in that worker thread), not when the server starts: most servers never need them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sora2.stills import (
    SPRITE_WIDTH,
    encode,
    scaled,
    sprite_indices,
    spritesheet_jpeg,
    thumbnail_index,
    thumbnail_webp,
)

if TYPE_CHECKING:
    from PIL import Image

Source = bytes | Path


class UnreadableVideo(Exception):
    """The bytes are not a video PyAV can decode."""


def preview_images(source: Source) -> tuple[bytes, bytes]:
    """(thumbnail as WebP: the middle frame; spritesheet as JPEG: 10 frames, 5 a row)."""
    total = frame_count(source)
    thumb_at = thumbnail_index(total)
    sprite_at = sprite_indices(total)
    thumbnail: Image.Image | None = None
    sprites: list[Image.Image] = []
    last: Any = None
    for index, frame in enumerate(decode_frames(source)):
        if index == thumb_at:
            thumbnail = frame.to_image()
        if index in sprite_at:
            sprites.append(scaled(frame.to_image(), SPRITE_WIDTH))
        last = frame
    if thumbnail is None:  # fewer frames than the header claimed
        if last is None:
            raise UnreadableVideo("the video has no frames")
        thumbnail = last.to_image()
    if not sprites:
        sprites = [scaled(thumbnail, SPRITE_WIDTH)]
    return thumbnail_webp(thumbnail), spritesheet_jpeg(sprites)


def last_frame(source: Source) -> bytes:
    """The video's last frame, as PNG."""
    final: Any = None
    for frame in decode_frames(source):
        final = frame
    if final is None:
        raise UnreadableVideo("the video has no frames")
    return encode(final.to_image(), "PNG")


def _open(source: Source) -> Any:
    import av

    try:
        return av.open(str(source) if isinstance(source, Path) else io.BytesIO(source))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise UnreadableVideo(f"not a readable video: {exc}") from exc


def decode_frames(source: Source) -> Iterator[Any]:
    """Every frame of the first video stream, decoded in order."""
    import av

    with _open(source) as container:
        if not container.streams.video:
            raise UnreadableVideo("the file has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            yield from container.decode(stream)
        except (av.error.FFmpegError, ValueError) as exc:
            raise UnreadableVideo(f"the video could not be decoded: {exc}") from exc


def frame_count(source: Source) -> int:
    """The number of frames, from the header when it says, else by decoding."""
    with _open(source) as container:
        if not container.streams.video:
            raise UnreadableVideo("the file has no video stream")
        stream = container.streams.video[0]
        if stream.frames:
            return int(stream.frames)
        if stream.duration is not None and stream.time_base and stream.average_rate:
            return max(1, int(stream.duration * stream.time_base * stream.average_rate))
    return max(1, sum(1 for _ in decode_frames(source)))
