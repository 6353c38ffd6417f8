"""Reading back what the platform made, with PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av


@dataclass(frozen=True)
class MediaInfo:
    width: int
    height: int
    duration: float
    fps: float
    frames: int
    video_codec: str
    audio_codec: str | None


def probe(path: Path) -> MediaInfo:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        frames = sum(1 for _ in container.decode(video=0))
        fps = float(video.average_rate or video.guessed_rate or 0)
        return MediaInfo(
            width=video.codec_context.width,
            height=video.codec_context.height,
            duration=frames / fps if fps else 0.0,
            fps=fps,
            frames=frames,
            video_codec=video.codec_context.name,
            audio_codec=audio.codec_context.name if audio else None,
        )
