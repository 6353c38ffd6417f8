"""The fakes outside the persistence contract (tests/integration/db/contracts/) keep the
promises of their ports: the clock moves only by hand, events are kept in order, and the memory
blob store follows the local store's rules (tests/unit/storage/test_local.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from sora2.events import SessionsRevoked, VideoUpdate
from tests.support.fakes import FakeClock, MemoryBlobStore, RecordingEvents

KEY = "videos/0b6f1c9e-6f1d-4a53-9a43-2f4f0c1d2e3f/video.mp4"


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)
        yield part


async def collect(iterator: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in iterator])


def test_the_clock_moves_only_when_told() -> None:
    clock = FakeClock(100.0)
    assert clock.now() == clock.now() == 100.0
    assert clock.advance(2.5) == 102.5
    assert clock.now() == 102.5
    clock.set(50.0)  # stepped back, like a wall clock corrected by NTP
    assert clock.now() == 50.0
    with pytest.raises(ValueError, match="advances"):
        clock.advance(-1)
    assert FakeClock().now() > 1_600_000_000  # a plausible present by default


async def test_events_are_recorded_in_order() -> None:
    events = RecordingEvents()
    first = VideoUpdate(user_id="u", video_id="v", updates={"progress": 10})
    revoked = SessionsRevoked(user_id="u", token_version=2, reason="logout")
    second = VideoUpdate(user_id="u", video_id="v", updates={"progress": 20})
    for event in (first, revoked, second):
        await events.publish(event)

    assert events.events == [first, revoked, second]
    assert events.of(VideoUpdate) == [first, second]


async def test_blobs_round_trip_with_the_clocks_time_and_a_new_tag_per_write() -> None:
    clock = FakeClock(1_000.0)
    store = MemoryBlobStore(clock)

    info = await store.write(KEY, chunks(b"abc", b"", b"def"))
    clock.advance(5)
    again = await store.write_bytes(KEY, b"abcdef")  # the same bytes

    assert (info.key, info.size, info.modified_at) == (KEY, 6, 1_000.0)
    assert again.etag != info.etag and again.modified_at == 1_005.0
    assert await store.stat(KEY) == again
    assert await collect(store.read(KEY)) == b"abcdef"
    assert store.local_path(KEY) is None
    empty = await store.write("a/empty.bin", chunks())
    assert empty.size == 0 and await collect(store.read("a/empty.bin")) == b""


async def test_blob_range_reads_are_clipped_and_chunked() -> None:
    store = MemoryBlobStore()
    await store.write_bytes("r/digits.txt", b"0123456789")

    async def read(start: int, end: int | None, chunk_size: int = 4) -> list[bytes]:
        parts = store.read("r/digits.txt", start=start, end=end, chunk_size=chunk_size)
        return [chunk async for chunk in parts]

    assert await read(1, 9, chunk_size=3) == [b"123", b"456", b"78"]
    assert await read(8, 100) == [b"89"]
    assert await read(5, 5) == []
    assert await read(42, None) == []
    with pytest.raises(ValueError, match="invalid byte range"):
        store.read(KEY, start=5, end=4)
    with pytest.raises(ValueError, match="chunk_size"):
        store.read(KEY, chunk_size=0)
    with pytest.raises(FileNotFoundError):
        await collect(store.read(KEY))


async def test_a_failed_blob_write_keeps_the_old_blob_and_leaves_nothing_behind() -> None:
    store = MemoryBlobStore()
    old = await store.write_bytes(KEY, b"old")
    seen: list[bytes] = []

    async def broken() -> AsyncIterator[bytes]:
        yield b"new"
        seen.append(await collect(store.read(KEY)))  # readers see the old blob meanwhile
        raise ConnectionError("upstream went away")

    with pytest.raises(ConnectionError):
        await store.write(KEY, broken())

    assert seen == [b"old"]
    assert await store.stat(KEY) == old
    assert store.partials == {}

    async def slow() -> AsyncIterator[bytes]:
        yield b"x"
        await asyncio.sleep(3600)
        yield b"never"

    writing = asyncio.ensure_future(store.write("videos/b/video.mp4", slow()))
    await asyncio.sleep(0.01)
    assert list(store.partials.values()) == ["videos/b/video.mp4"]
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    assert store.partials == {}
    assert await store.stat("videos/b/video.mp4") is None


async def test_blob_keys_and_prefixes_are_checked_like_the_local_stores() -> None:
    store = MemoryBlobStore()
    for key in ("", "/etc/passwd", "videos/../x", "videos//v.mp4", "videos/.hidden"):
        with pytest.raises(ValueError, match="blob key"):
            await store.write_bytes(key, b"x")
        with pytest.raises(ValueError, match="blob key"):
            store.read(key)
    for prefix in ("", "/", "videos/a", "../"):
        with pytest.raises(ValueError, match="blob"):
            await store.delete_prefix(prefix)


async def test_blob_deletes_by_key_and_by_folder() -> None:
    store = MemoryBlobStore()
    for key in ("videos/a/video.mp4", "videos/a/sub/sprites.jpg", "videos/ab/video.mp4"):
        await store.write_bytes(key, b"1")

    await store.delete("videos/a/video.mp4")
    await store.delete("videos/a/video.mp4")  # missing is fine
    assert await store.stat("videos/a/video.mp4") is None
    await store.delete_prefix("videos/a/")  # its subfolders too, not "videos/ab/"

    assert await store.stat("videos/a/sub/sprites.jpg") is None
    assert await store.stat("videos/ab/video.mp4") is not None


async def test_discard_partial_forgets_the_unfinished_writes_of_one_folder() -> None:
    store = MemoryBlobStore()
    await store.write_bytes("videos/a/video.mp4", b"whole")
    # Writers killed with -9: what they left.
    store.partials["t1"] = "videos/a/video.mp4"
    store.partials["t2"] = "videos/a/sub/sprites.jpg"
    store.partials["t3"] = "videos/other.mp4"

    assert await store.discard_partial("videos/a/") == 1
    assert sorted(store.partials) == ["t2", "t3"]
    assert await store.discard_partial("videos/missing/") == 0
    assert await store.stat("videos/a/video.mp4") is not None
    with pytest.raises(ValueError, match="must end with '/'"):
        await store.discard_partial("videos/a")
