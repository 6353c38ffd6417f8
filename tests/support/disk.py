"""A disk that fills up: the real `LocalBlobStore`, with room for only so many more bytes.

A write past the room left fails with ENOSPC while the bytes are being written, exactly where a
full disk fails a real write, so the store's own cleanup runs as it would. `free = None` means
room enough (the operator freed some space).
"""

from __future__ import annotations

import errno
import os
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from sora2.ports import BlobInfo
from sora2.storage.local import LocalBlobStore


class FillingDisk(LocalBlobStore):
    def __init__(self, root: Path, *, free: int | None = None) -> None:
        super().__init__(root)
        self.free = free
        self.failures = 0

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> BlobInfo:
        return await super().write(key, self._metered(chunks))

    async def _metered(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if self.free is not None:
                if len(chunk) > self.free:
                    self.failures += 1
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                self.free -= len(chunk)
            yield chunk
