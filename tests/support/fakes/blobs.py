"""A `BlobStore` in memory, with the local store's rules (storage/local.py)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sora2.ports import BlobInfo, Clock
from sora2.storage.local import validate_key
from tests.support.fakes.clock import FakeClock


@dataclass(frozen=True, slots=True)
class _Blob:
    data: bytes
    modified_at: float
    etag: str


class MemoryBlobStore:
    """Blobs as bytes by key. Keys are checked like the local store's; writes are atomic
    (readers see the old blob or nothing until the new one is complete); `modified_at` is the
    given clock's time. There is no file behind a key: `local_path` is None."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = FakeClock() if clock is None else clock
        self._blobs: dict[str, _Blob] = {}
        self._writes = 0
        # Writes begun and not finished, by temporary name: their key. A write that fails or is
        # cancelled removes its own; a test plants one to stand for a process killed mid-write.
        self.partials: dict[str, str] = {}

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> BlobInfo:
        validate_key(key)
        temporary = f"{key}.{uuid.uuid4().hex}.part"
        self.partials[temporary] = key
        try:
            data = b"".join([bytes(chunk) async for chunk in chunks])
        finally:
            self.partials.pop(temporary, None)
        self._writes += 1
        # A new tag per write, as the local store's (a new inode each time), even for equal bytes.
        digest = hashlib.blake2b(data, digest_size=8).hexdigest()
        blob = _Blob(data=data, modified_at=self._clock.now(), etag=f'"{self._writes}-{digest}"')
        self._blobs[key] = blob
        return _info(key, blob)

    async def write_bytes(self, key: str, data: bytes) -> BlobInfo:
        async def one() -> AsyncIterator[bytes]:
            yield data

        return await self.write(key, one())

    async def stat(self, key: str) -> BlobInfo | None:
        blob = self._blobs.get(validate_key(key))
        return None if blob is None else _info(key, blob)

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20
    ) -> AsyncIterator[bytes]:
        """Yield bytes [start, end), clipped to the blob; arguments are checked now, a missing
        blob raises FileNotFoundError on first iteration."""
        validate_key(key)
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid byte range [{start}, {end})")
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        return self._read(key, start, end, chunk_size)

    async def _read(
        self, key: str, start: int, end: int | None, chunk_size: int
    ) -> AsyncIterator[bytes]:
        blob = self._blobs.get(key)
        if blob is None:
            raise FileNotFoundError(key)
        # The blob as it was when reading began, as an open file keeps a replaced one.
        data = blob.data[start:end]
        for offset in range(0, len(data), chunk_size):
            yield data[offset : offset + chunk_size]

    async def delete(self, key: str) -> None:
        self._blobs.pop(validate_key(key), None)

    async def delete_prefix(self, prefix: str) -> None:
        folder = _folder(prefix)
        for key in [key for key in self._blobs if key.startswith(folder)]:
            del self._blobs[key]
        for temporary, key in list(self.partials.items()):
            if key.startswith(folder):
                del self.partials[temporary]

    def local_path(self, key: str) -> Path | None:
        return None

    async def discard_partial(self, prefix: str) -> int:
        """Forget the unfinished writes directly in the folder `prefix` (not in its
        subfolders, like the local store); how many."""
        folder = _folder(prefix)
        left = [t for t, key in self.partials.items() if key.rpartition("/")[0] + "/" == folder]
        for temporary in left:
            del self.partials[temporary]
        return len(left)


def _folder(prefix: str) -> str:
    if not prefix.endswith("/"):
        raise ValueError(f"blob prefix {prefix!r} must end with '/'")
    validate_key(prefix[:-1])
    return prefix


def _info(key: str, blob: _Blob) -> BlobInfo:
    return BlobInfo(key=key, size=len(blob.data), modified_at=blob.modified_at, etag=blob.etag)
