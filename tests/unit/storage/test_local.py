"""LocalBlobStore: atomic writes, ranged reads, key validation, delete + prune."""

from __future__ import annotations

import asyncio
import errno
import os
import re
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path
from typing import BinaryIO

import pytest

from sora2.storage import LocalBlobStore
from sora2.storage import local as local_module

KEY = "videos/0b6f1c9e-6f1d-4a53-9a43-2f4f0c1d2e3f/video.mp4"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def store(root: Path) -> LocalBlobStore:
    return LocalBlobStore(root)


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


async def collect(iterator: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in iterator])


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


async def test_round_trip(store: LocalBlobStore, root: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)  # several write batches and read chunks
    parts = [data[i : i + 65536] for i in range(0, len(data), 65536)]

    info = await store.write(KEY, chunks(*parts))

    assert info.key == KEY
    assert info.size == len(data)
    assert re.fullmatch(r'"[0-9a-f]{16}"', info.etag)
    assert await store.stat(KEY) == info
    assert await collect(store.read(KEY)) == data
    assert (root / KEY).read_bytes() == data
    assert store.local_path(KEY) == root / KEY
    assert files_under(root) == [KEY]  # no temporary file left behind


async def test_write_bytes_and_empty_blob(store: LocalBlobStore) -> None:
    info = await store.write_bytes("a/b.bin", b"hello")
    assert info.size == 5
    assert await collect(store.read("a/b.bin")) == b"hello"

    empty = await store.write("a/empty.bin", chunks())
    assert empty.size == 0
    assert await collect(store.read("a/empty.bin")) == b""


async def test_overwrite_replaces_content_and_changes_etag(store: LocalBlobStore) -> None:
    first = await store.write_bytes(KEY, b"A" * 100)
    second = await store.write_bytes(KEY, b"B" * 100)  # same size, maybe same mtime tick

    assert second.etag != first.etag
    assert await store.stat(KEY) == second
    assert await collect(store.read(KEY)) == b"B" * 100

    third = await store.write_bytes(KEY, b"C" * 101)
    assert third.etag not in {first.etag, second.etag}
    assert third.size == 101


async def test_failing_stream_leaves_no_file(store: LocalBlobStore, root: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"x" * (2 << 20)  # enough to reach the disk before the failure
        raise ConnectionError("upstream went away")

    with pytest.raises(ConnectionError, match="went away"):
        await store.write(KEY, broken())

    assert await store.stat(KEY) is None
    assert files_under(root) == []


async def test_a_long_stream_is_stored_whole_in_order(store: LocalBlobStore, root: Path) -> None:
    # Many write batches: each is written while the next one is received.
    data = os.urandom(local_module._WRITE_BATCH * 3 + 12345)
    parts = [data[i : i + 65536] for i in range(0, len(data), 65536)]

    info = await store.write(KEY, chunks(*parts))

    assert info.size == len(data)
    assert (root / KEY).read_bytes() == data
    assert files_under(root) == [KEY]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
async def test_a_full_disk_while_a_batch_is_written_leaves_no_file(
    store: LocalBlobStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The disk fills up under a batch being written in the worker thread (a real ENOSPC from
    # the kernel, not from the stream), while more of the stream arrives.
    real_open_temp = store._open_temp

    def full_disk(tmp: Path) -> BinaryIO:
        real_open_temp(tmp).close()  # the temporary file exists, as it would on a real disk
        return Path("/dev/full").open("wb")

    monkeypatch.setattr(store, "_open_temp", full_disk)
    parts = [b"x" * 65536] * (3 * local_module._WRITE_BATCH // 65536)

    with pytest.raises(OSError, match="No space left") as failure:
        await store.write(KEY, chunks(*parts))

    assert failure.value.errno == errno.ENOSPC
    assert await store.stat(KEY) is None
    assert files_under(root) == []


async def test_failed_overwrite_keeps_the_old_blob(store: LocalBlobStore, root: Path) -> None:
    old = await store.write_bytes(KEY, b"old content")

    async def broken() -> AsyncIterator[bytes]:
        yield b"new"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        await store.write(KEY, broken())

    assert await store.stat(KEY) == old
    assert await collect(store.read(KEY)) == b"old content"
    assert files_under(root) == [KEY]


async def test_cancelled_write_leaves_no_file(store: LocalBlobStore, root: Path) -> None:
    started = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        yield b"x" * (2 << 20)
        started.set()
        await asyncio.sleep(3600)
        yield b"never"

    task = asyncio.create_task(store.write(KEY, slow()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert files_under(root) == []


async def test_cancelled_while_creating_the_temp_file_leaves_no_file(
    store: LocalBlobStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker thread creates the file after the task was cancelled: it is removed anyway.
    in_thread = threading.Event()
    real_open_temp = store._open_temp

    def slow_open_temp(tmp: Path) -> BinaryIO:
        in_thread.set()
        time.sleep(0.05)
        return real_open_temp(tmp)

    monkeypatch.setattr(store, "_open_temp", slow_open_temp)
    before = open_fds()
    task = asyncio.create_task(store.write(KEY, chunks(b"data")))
    while not in_thread.is_set():
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)

    assert files_under(root) == []
    assert open_fds() == before


async def test_readers_see_nothing_until_the_write_completes(store: LocalBlobStore) -> None:
    observed: list[object] = []

    async def watched() -> AsyncIterator[bytes]:
        yield b"x" * (2 << 20)
        await asyncio.sleep(0)
        observed.append(await store.stat(KEY))
        with pytest.raises(FileNotFoundError):
            await collect(store.read(KEY))
        yield b"y" * 10

    info = await store.write(KEY, watched())

    assert observed == [None]
    assert info.size == (2 << 20) + 10


async def test_readers_see_the_old_blob_during_an_overwrite(store: LocalBlobStore) -> None:
    old = await store.write_bytes(KEY, b"old")
    seen: list[bytes] = []

    async def watched() -> AsyncIterator[bytes]:
        yield b"new" * 1000
        seen.append(await collect(store.read(KEY)))
        assert await store.stat(KEY) == old
        yield b"!"

    await store.write(KEY, watched())

    assert seen == [b"old"]
    assert await collect(store.read(KEY)) == b"new" * 1000 + b"!"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, None, b"0123456789"),
        (0, 1, b"0"),
        (3, 7, b"3456"),
        (9, None, b"9"),
        (5, 5, b""),
        (8, 100, b"89"),  # past the end: clipped
        (10, None, b""),
        (42, None, b""),
    ],
)
async def test_range_reads(
    store: LocalBlobStore, start: int, end: int | None, expected: bytes
) -> None:
    await store.write_bytes("r/digits.txt", b"0123456789")
    assert await collect(store.read("r/digits.txt", start=start, end=end)) == expected


async def test_range_read_honours_chunk_size(store: LocalBlobStore) -> None:
    await store.write_bytes("r/digits.txt", b"0123456789")
    parts = [chunk async for chunk in store.read("r/digits.txt", start=1, end=9, chunk_size=3)]
    assert parts == [b"123", b"456", b"78"]


def test_bad_read_arguments_fail_at_once(store: LocalBlobStore) -> None:
    with pytest.raises(ValueError, match="invalid byte range"):
        store.read(KEY, start=-1)
    with pytest.raises(ValueError, match="invalid byte range"):
        store.read(KEY, start=5, end=4)
    with pytest.raises(ValueError, match="chunk_size"):
        store.read(KEY, chunk_size=0)


async def test_missing_blob(store: LocalBlobStore) -> None:
    assert await store.stat(KEY) is None
    with pytest.raises(FileNotFoundError):
        await collect(store.read(KEY))
    await store.delete(KEY)  # missing is fine
    await store.delete_prefix("videos/nothing-here/")


async def test_stat_of_a_folder_is_none(store: LocalBlobStore) -> None:
    await store.write_bytes(KEY, b"x")
    assert await store.stat("videos") is None


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../outside",
        "videos/../../outside",
        "videos/..",
        "videos/a..b/video.mp4",
        "videos\\video.mp4",
        "videos/\x00/video.mp4",
        "videos//video.mp4",
        "videos/",
        "./video.mp4",
        "videos/.hidden",
    ],
)
async def test_unsafe_keys_are_refused(store: LocalBlobStore, root: Path, key: str) -> None:
    with pytest.raises(ValueError, match="blob key"):
        await store.write_bytes(key, b"x")
    with pytest.raises(ValueError, match="blob key"):
        await store.stat(key)
    with pytest.raises(ValueError, match="blob key"):
        store.read(key)
    with pytest.raises(ValueError, match="blob key"):
        await store.delete(key)
    with pytest.raises(ValueError, match="blob key"):
        store.local_path(key)
    assert not root.exists()


async def test_delete_prunes_empty_folders_but_not_the_root(
    store: LocalBlobStore, root: Path
) -> None:
    await store.write_bytes("videos/a/video.mp4", b"1")
    await store.write_bytes("videos/a/thumbnail.webp", b"2")
    await store.write_bytes("videos/b/video.mp4", b"3")

    await store.delete("videos/a/video.mp4")
    assert files_under(root) == ["videos/a/thumbnail.webp", "videos/b/video.mp4"]

    await store.delete("videos/a/thumbnail.webp")
    assert not (root / "videos/a").exists()
    assert (root / "videos/b").is_dir()

    await store.delete("videos/b/video.mp4")
    assert not (root / "videos").exists()
    assert root.is_dir()
    assert await store.stat("videos/a/video.mp4") is None


async def test_delete_prefix(store: LocalBlobStore, root: Path) -> None:
    await store.write_bytes("videos/a/video.mp4", b"1")
    await store.write_bytes("videos/a/sub/spritesheet.jpg", b"2")
    await store.write_bytes("videos/ab/video.mp4", b"3")  # shares the text prefix, not the folder

    await store.delete_prefix("videos/a/")

    assert files_under(root) == ["videos/ab/video.mp4"]
    await store.delete_prefix("videos/ab/")
    assert not (root / "videos").exists()
    assert root.is_dir()


@pytest.mark.parametrize("prefix", ["", "/", "videos/a", "../", "videos//", "/etc/"])
async def test_bad_prefixes_are_refused(store: LocalBlobStore, prefix: str) -> None:
    await store.write_bytes(KEY, b"x")
    with pytest.raises(ValueError, match="blob"):
        await store.delete_prefix(prefix)
    assert await store.stat(KEY) is not None


async def test_concurrent_writes_to_one_key_end_with_one_complete_blob(
    store: LocalBlobStore, root: Path
) -> None:
    payloads = [bytes([65 + i]) * (1 << 20) for i in range(4)]
    await asyncio.gather(*(store.write_bytes(KEY, payload) for payload in payloads))

    assert await collect(store.read(KEY)) in payloads
    assert files_under(root) == [KEY]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_abandoned_and_cancelled_reads_close_their_file(store: LocalBlobStore) -> None:
    await store.write_bytes(KEY, os.urandom(4 << 20))
    before = open_fds()

    reader = store.read(KEY)
    assert isinstance(reader, AsyncGenerator)
    assert len(await anext(reader)) == 1 << 20
    assert open_fds() == before + 1
    await reader.aclose()  # what a response does when the client disconnects
    assert open_fds() == before


async def test_cancelled_while_opening_for_read_closes_the_file(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.write_bytes(KEY, b"content")
    in_thread = threading.Event()

    def slow_open_at(path: Path, offset: int) -> BinaryIO:
        in_thread.set()
        time.sleep(0.05)
        return real_open_at(path, offset)

    real_open_at = local_module._open_at
    monkeypatch.setattr(local_module, "_open_at", slow_open_at)
    before = open_fds()
    task = asyncio.create_task(collect(store.read(KEY)))
    while not in_thread.is_set():
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)

    assert open_fds() == before


async def test_read_does_not_block_the_event_loop_for_long(store: LocalBlobStore) -> None:
    await store.write_bytes(KEY, os.urandom(4 << 20))
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    total = 0
    async for chunk in store.read(KEY, chunk_size=1 << 18):
        total += len(chunk)
    done = True
    await task
    assert total == 4 << 20
    assert ticks >= 16  # the loop ran while each chunk was read in a thread


async def test_discard_partial_removes_only_the_temporary_files_of_a_folder(
    store: LocalBlobStore,
) -> None:
    await store.write_bytes("videos/a/video.mp4", b"whole")
    folder = store.root / "videos" / "a"
    (folder / ".video.mp4.0123.part").write_bytes(b"half")  # a writer killed with -9
    (store.root / "videos" / ".other.part").write_bytes(b"not in the folder")
    assert await store.discard_partial("videos/a/") == 1
    assert sorted(path.name for path in folder.iterdir()) == ["video.mp4"]
    assert (store.root / "videos" / ".other.part").exists()
    assert await store.discard_partial("videos/missing/") == 0
    with pytest.raises(ValueError, match="must end with '/'"):
        await store.discard_partial("videos/a")
