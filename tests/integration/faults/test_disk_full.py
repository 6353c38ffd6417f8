"""A full disk during a download leaves no partial file, fails nothing, and the video is fetched
again once there is room.

Two disks: `FillingDisk` (the real store, with a byte budget: runs everywhere) and, where this
process may mount one, a real tmpfs too small for the video, grown afterwards.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sora2.domain import VideoStatus
from tests.support.disk import FillingDisk
from tests.support.rig import Rig, open_rig

# Generous: these wait on real retries, which a loaded CI machine slows down.
pytestmark = pytest.mark.timeout(300)


async def wait_for_retries(rig: Rig, video_id: str, attempts: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = await rig.store.get(video_id)
        assert video is not None
        assert video.status is not VideoStatus.FAILED, video.error_message
        assert video.status is not VideoStatus.COMPLETED
        if video.attempts >= attempts:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the download was not retried")


def files_of(media: Path, video_id: str) -> list[str]:
    folder = media / "videos" / video_id
    if not folder.exists():
        return []
    return sorted(path.name for path in folder.iterdir())


@pytest.fixture
def disk(tmp_path: Path) -> FillingDisk:
    return FillingDisk(tmp_path / "media", free=50_000)


@pytest.fixture
async def rig(database_url: str, tmp_path: Path, disk: FillingDisk) -> AsyncIterator[Rig]:
    async with open_rig(database_url, tmp_path, blobs=disk) as running:
        yield running


async def test_a_full_disk_leaves_no_partial_file_and_the_video_is_retried(
    rig: Rig, disk: FillingDisk
) -> None:
    video = await rig.videos.create(rig.user, prompt="no room", seconds="4")
    await wait_for_retries(rig, video.id, attempts=2)
    assert disk.failures >= 2
    assert [name for name in files_of(rig.media, video.id) if name != "reference.png"] == []
    assert list(rig.media.rglob("*.part")) == []

    disk.free = None  # the operator made room
    done = await rig.wait_done(video.id, timeout=90)
    assert done.status is VideoStatus.COMPLETED and done.attempts == 0
    assert files_of(rig.media, video.id) == ["spritesheet.jpg", "thumbnail.webp", "video.mp4"]
    assert await rig.simulator_creates() == 1


# ---------------------------------------------------------------- a real filesystem that fills


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs at tmp_path/media, or a skip where mounting is not allowed."""
    mount_point = tmp_path / "media"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


async def test_a_real_full_filesystem_too(
    database_url: str, tmp_path: Path, small_tmpfs: Path
) -> None:
    async with open_rig(database_url, tmp_path) as rig:
        video = await rig.videos.create(rig.user, prompt="tiny disk", seconds="4")
        await wait_for_retries(rig, video.id, attempts=2)
        assert files_of(small_tmpfs, video.id) in ([], ["video.mp4"])  # whole files only
        assert list(small_tmpfs.rglob("*.part")) == []

        subprocess.run(["mount", "-o", "remount,size=64m", str(small_tmpfs)], check=True)
        done = await rig.wait_done(video.id, timeout=90)
        assert done.status is VideoStatus.COMPLETED
        assert files_of(small_tmpfs, video.id) == [
            "spritesheet.jpg",
            "thumbnail.webp",
            "video.mp4",
        ]
