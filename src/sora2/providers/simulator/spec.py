"""What a render needs and makes, without the renderer's heavy imports (PyAV, NumPy, Pillow).

The simulator's app and render pool import this module; `renderer` itself is loaded by the first
render, in a worker thread, so a server that never renders never pays for those libraries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

VIDEO_FILE, THUMBNAIL_FILE, SPRITESHEET_FILE = "video.mp4", "thumbnail.webp", "spritesheet.jpg"


class RenderCancelled(Exception):
    """The job was deleted (or the simulator is stopping) while it rendered."""


@dataclass(frozen=True, slots=True)
class RenderSpec:
    """What to draw. `seed` picks the palette and chord; a remix gets its own."""

    prompt: str
    width: int
    height: int
    seconds: int
    seed: int
    label: str = ""  # a small header line, e.g. the model and the remixed-from id
    reference: bytes | None = None  # an image for the first frame


def seed_for(*parts: str) -> int:
    """A stable seed from text (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest())
