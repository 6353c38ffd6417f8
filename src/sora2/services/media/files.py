"""A video's files in the blob store: its downloads, its stills, its first-frame image.

Keys come from `storage/keys.py` (server ids only); the CPU work (decoding frames, re-encoding
an upload) runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable
from dataclasses import dataclass

from sora2.domain import Asset, Video
from sora2.errors import Conflict
from sora2.ports import BlobInfo, BlobStore
from sora2.services.media import frames
from sora2.services.media.images import prepare_reference_image
from sora2.storage.keys import asset_key, reference_key, video_prefix

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_upload_bytes: int
    max_image_pixels: int


@dataclass(frozen=True, slots=True)
class Content:
    """One stored file of a video, ready to be served."""

    store: BlobStore
    info: BlobInfo
    variant: Asset
    video: Video


class VideoFiles:
    def __init__(self, *, blobs: BlobStore, limits: UploadLimits) -> None:
        self._blobs = blobs
        self.limits = limits

    async def save(self, video_id: str, variant: Asset, chunks: AsyncIterable[bytes]) -> str:
        """Store one downloaded file (atomically); its key."""
        key = asset_key(video_id, variant)
        await self._blobs.write(key, chunks)
        return key

    async def make_stills(self, video_id: str, variants: list[Asset]) -> dict[Asset, str]:
        """Make the thumbnail and spritesheet (of `variants`) from the stored MP4."""
        if not variants:
            return {}
        try:
            thumbnail, spritesheet = await asyncio.to_thread(
                frames.preview_images, await self._source(asset_key(video_id, Asset.VIDEO))
            )
        except frames.UnreadableVideo as exc:
            log.warning("video %s: no stills could be made: %s", video_id, exc)
            return {}
        made = {Asset.THUMBNAIL: thumbnail, Asset.SPRITESHEET: spritesheet}
        keys: dict[Asset, str] = {}
        for variant in variants:
            if variant in made:
                keys[variant] = asset_key(video_id, variant)
                await self._blobs.write_bytes(keys[variant], made[variant])
        return keys

    async def store_reference(self, video: Video, data: bytes) -> None:
        """Check an uploaded first-frame image by its content, fit it to the video's size and
        store it; the video then names it."""
        image = await asyncio.to_thread(
            prepare_reference_image,
            data,
            width=video.width,
            height=video.height,
            max_bytes=self.limits.max_upload_bytes,
            max_pixels=self.limits.max_image_pixels,
        )
        video.input_reference_key = reference_key(video.id)
        await self._blobs.write_bytes(video.input_reference_key, image.data)

    async def last_frame(self, video: Video) -> bytes:
        """The last frame of a completed video, as a PNG; `Conflict` when it cannot be read."""
        key = video.assets.get(Asset.VIDEO, asset_key(video.id, Asset.VIDEO))
        try:
            return await asyncio.to_thread(frames.last_frame, await self._source(key))
        except (frames.UnreadableVideo, OSError) as exc:
            raise Conflict(f"the last frame of this video could not be read: {exc}") from None

    async def content(self, video: Video, variant: Asset) -> Content | None:
        key = video.assets.get(variant)
        info = await self._blobs.stat(key) if key else None
        return None if info is None else Content(self._blobs, info, variant, video)

    async def discard_partial(self, video_id: str) -> int:
        """Remove what a download cut short by a dead process left (the caller holds the lease)."""
        return await self._blobs.discard_partial(video_prefix(video_id))

    async def delete(self, video_id: str) -> None:
        await self._blobs.delete_prefix(video_prefix(video_id))

    async def _source(self, key: str) -> frames.Source:
        path = self._blobs.local_path(key)
        if path is not None:
            return path
        return b"".join([chunk async for chunk in self._blobs.read(key)])
