"""A few stills from an MP4 (PyAV), small enough to show an assistant what a video looks like.

Synchronous CPU work: callers run it in a worker thread, which also imports Pillow (and PyAV,
in `services.media.frames`) on first use: a server that is never asked for stills never loads them.
"""

from __future__ import annotations

__all__ = ["Still", "UnreadableVideo", "sample_frames", "to_jpeg"]

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sora2 import stills
from sora2.services.media.frames import UnreadableVideo, decode_frames, frame_count

MAX_WIDTH = 512


@dataclass(frozen=True, slots=True)
class Still:
    seconds: float  # where in the video
    jpeg: bytes
    width: int
    height: int


def sample_frames(path: Path, *, count: int, max_width: int = MAX_WIDTH) -> list[Still]:
    """`count` frames spread evenly over the video (the middle of each of `count` equal parts),
    as JPEG at most `max_width` pixels wide."""
    if count < 1:
        raise ValueError("count must be at least 1")
    total = frame_count(path)
    wanted = sorted({min(total - 1, int((i + 0.5) * total / count)) for i in range(count)})
    stills: list[Still] = []
    last: Any = None
    for index, frame in enumerate(decode_frames(path)):
        last = frame
        if stills and len(stills) == len(wanted):
            break
        if index == wanted[len(stills)]:
            stills.append(_still(frame, max_width))
    if not stills:  # the header promised more frames than there are
        if last is None:
            raise UnreadableVideo("the video has no frames")
        stills.append(_still(last, max_width))
    return stills


def to_jpeg(data: bytes, *, max_width: int = MAX_WIDTH) -> tuple[bytes, int, int]:
    """Any image PIL reads (the WebP thumbnail, the JPEG spritesheet), as a JPEG at most
    `max_width` wide: (bytes, width, height)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return stills.jpeg(image, max_width=max_width)


def _still(frame: Any, max_width: int) -> Still:
    jpeg, width, height = stills.jpeg(frame.to_image(), max_width=max_width)
    seconds = float(frame.time) if frame.time is not None else 0.0
    return Still(seconds=round(seconds, 2), jpeg=jpeg, width=width, height=height)
