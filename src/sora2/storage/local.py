"""A `BlobStore` on the local disk: atomic writes (temp file + fsync + rename), ranged reads.

Blocking file calls run in worker threads (`asyncio.to_thread`), so the event loop never waits
on the disk and memory stays constant whatever the blob size. Writes go out in batches of about
1 MiB, each one while the next one is being received.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import shutil
import stat
import uuid
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sora2.ports import BlobInfo

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator, Callable

# Bytes gathered before one thread hop. Measured on a 40 MB download (bench B9, one core): 4 MiB
# batches stalled the event loop 9-13 ms (p99) while the kernel copied them; 1 MiB, 4-5 ms.
_WRITE_BATCH = 1 << 20
_MKDIR_ATTEMPTS = 3  # a concurrent delete may prune the folder between mkdir and open


def validate_key(key: str) -> str:
    """Return `key` if it is a safe relative blob key, else raise ValueError.

    Keys are server-chosen (`videos/<uuid>/video.mp4`); this is defence in depth against a bug
    that would let a client's string reach the filesystem."""
    if not isinstance(key, str) or not key:
        raise ValueError("blob key must be a non-empty string")
    if "\x00" in key or "\\" in key or ".." in key:
        raise ValueError(f"blob key {key!r} contains a forbidden character sequence")
    if key.startswith("/"):
        raise ValueError(f"blob key {key!r} must be relative")
    for segment in key.split("/"):
        if not segment:
            raise ValueError(f"blob key {key!r} has an empty path segment")
        if segment.startswith("."):
            # Also keeps keys apart from our own `.<name>.<uuid>.part` temporary files.
            raise ValueError(f"blob key {key!r} has a hidden path segment")
    return key


def _etag(st: os.stat_result) -> str:
    # A new inode per write (temp file + rename) tells apart two same-size writes within one
    # coarse mtime tick; the hash keeps the inode number private.
    raw = f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode()
    return '"' + hashlib.blake2b(raw, digest_size=8).hexdigest() + '"'


def _info(key: str, st: os.stat_result) -> BlobInfo:
    return BlobInfo(key=key, size=st.st_size, modified_at=st.st_mtime, etag=_etag(st))


async def _open_in_thread(
    opener: Callable[[], BinaryIO], *, remove: Path | None = None
) -> BinaryIO:
    """Run `opener` in a worker thread; if we are cancelled meanwhile, the file it opens anyway
    is closed (and `remove` deleted) as soon as the thread is done, instead of leaking."""
    opening = asyncio.ensure_future(asyncio.to_thread(opener))
    try:
        return await asyncio.shield(opening)
    except BaseException:
        opening.add_done_callback(partial(_discard, remove=remove))
        raise


def _discard(opening: asyncio.Future[BinaryIO], *, remove: Path | None) -> None:
    if opening.cancelled() or opening.exception() is not None:
        return
    opening.result().close()
    if remove is not None:
        with contextlib.suppress(FileNotFoundError):
            remove.unlink()


def _write_batch(file: BinaryIO, batch: list[bytes]) -> None:
    file.writelines(batch)
    file.flush()
    # Sent to the disk now, while the next batch is received, rather than all at once by the
    # fsync that commits the file (measured: 30-40 ms of a 40 MB download, then 5-10 ms).
    os.fdatasync(file.fileno())


def _ignore_outcome(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()  # marks it retrieved: asyncio would log it as never retrieved


def _open_at(path: Path, offset: int) -> BinaryIO:
    file = path.open("rb")
    try:
        file.seek(offset)
    except BaseException:
        file.close()
        raise
    return file


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBlobStore:
    """Blobs as files under `root`; key `a/b/c.mp4` is the file `root/a/b/c.mp4`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    # ------------------------------------------------------------------ write

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> BlobInfo:
        """Store a stream atomically: readers see the old blob, or nothing, until it is complete.

        On any error, cancellation included, the temporary file is removed and the error
        propagates. A write cancelled while it renames may or may not have landed, but readers
        only ever see a complete old or a complete new blob."""
        final = self._path(key)
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")
        file = await _open_in_thread(partial(self._open_temp, tmp), remove=tmp)
        # One batch is written in a worker thread while the next one is received: the disk and
        # the network overlap, and the loop only appends references (no join, no copy).
        writing: asyncio.Future[None] | None = None
        try:
            batch: list[bytes] = []
            pending = 0
            async for chunk in chunks:
                if not chunk:
                    continue
                batch.append(bytes(chunk))
                pending += len(chunk)
                if pending >= _WRITE_BATCH:
                    if writing is not None:
                        await writing
                    writing = asyncio.ensure_future(asyncio.to_thread(_write_batch, file, batch))
                    batch, pending = [], 0
            if writing is not None:
                await writing
            if batch:
                await asyncio.to_thread(file.writelines, batch)
            st = await asyncio.to_thread(self._commit, file, tmp, final)
        except BaseException:
            if writing is not None:
                # Its error, if any, is superseded by the one propagating now.
                writing.add_done_callback(_ignore_outcome)
            # Synchronous on purpose: it must run even in a cancelled task. Closing a buffered
            # file waits for a write still running in a worker thread, which is short.
            file.close()
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        return _info(key, st)

    async def write_bytes(self, key: str, data: bytes) -> BlobInfo:
        async def one() -> AsyncIterator[bytes]:
            yield data

        return await self.write(key, one())

    def _open_temp(self, tmp: Path) -> BinaryIO:
        for attempt in range(_MKDIR_ATTEMPTS):
            tmp.parent.mkdir(parents=True, exist_ok=True)
            try:
                return tmp.open("xb")
            except FileNotFoundError:
                if attempt == _MKDIR_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _commit(file: BinaryIO, tmp: Path, final: Path) -> os.stat_result:
        with file:
            file.flush()
            os.fsync(file.fileno())
            st = os.fstat(file.fileno())  # the rename keeps inode, size and mtime
        tmp.replace(final)
        _fsync_dir(final.parent)  # make the rename itself durable
        return st

    # ------------------------------------------------------------------ read

    async def stat(self, key: str) -> BlobInfo | None:
        path = self._path(key)
        try:
            st = await asyncio.to_thread(path.stat)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return _info(key, st)

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20
    ) -> AsyncIterator[bytes]:
        """Yield bytes [start, end) (end exclusive, None = to the end of the blob).

        Arguments are checked now; a missing blob raises FileNotFoundError on first iteration.
        A range past the end of the blob is clipped to it."""
        path = self._path(key)
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"invalid byte range [{start}, {end})")
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        return self._read(path, start, end, chunk_size)

    @staticmethod
    async def _read(
        path: Path, start: int, end: int | None, chunk_size: int
    ) -> AsyncIterator[bytes]:
        # Buffered on purpose: its lock makes the synchronous close below wait for a read still
        # running in a worker thread (a cancelled read), instead of closing the fd under it.
        file = await _open_in_thread(partial(_open_at, path, start))
        try:
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                size = chunk_size if remaining is None else min(chunk_size, remaining)
                chunk = await asyncio.to_thread(file.read, size)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            file.close()

    def local_path(self, key: str) -> Path | None:
        """The file behind a key (whether or not it exists yet)."""
        return self._path(key)

    # ------------------------------------------------------------------ delete

    async def discard_partial(self, prefix: str) -> int:
        """Remove the temporary files of writes under `prefix` that never finished (a process
        killed mid-write runs no cleanup); returns how many. The caller must be the only writer
        of that folder (the tracker holds its video's lease)."""
        if not prefix.endswith("/"):
            raise ValueError(f"blob prefix {prefix!r} must end with '/'")
        folder = self._path(prefix[:-1])
        return await asyncio.to_thread(self._discard_partial, folder)

    @staticmethod
    def _discard_partial(folder: Path) -> int:
        removed = 0
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            for path in folder.glob(".*.part"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed

    async def delete(self, key: str) -> None:
        """Delete one blob (a missing blob is not an error), then prune emptied folders."""
        path = self._path(key)
        await asyncio.to_thread(self._delete_file, path)

    def _delete_file(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._prune(path.parent)

    async def delete_prefix(self, prefix: str) -> None:
        """Delete every blob under `prefix`, a folder key ending with '/'."""
        if not prefix.endswith("/"):
            raise ValueError(f"blob prefix {prefix!r} must end with '/'")
        folder = self._path(prefix[:-1])
        await asyncio.to_thread(self._delete_tree, folder)

    def _delete_tree(self, folder: Path) -> None:
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except NotADirectoryError:
            # A blob named like the folder is not "under" it; leave it alone.
            return
        self._prune(folder.parent)

    def _prune(self, folder: Path) -> None:
        """Remove now-empty folders from `folder` up to, not including, the root."""
        root = self.root
        while folder != root and root in folder.parents:
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError as exc:
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    return  # still in use (maybe by a concurrent write): stop here
                raise
            folder = folder.parent
