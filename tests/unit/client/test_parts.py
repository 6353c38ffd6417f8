"""The SDK's small parts: URLs, records, the merged state of a watched video, atomic files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sora2.client import NotFoundError, Video, VideoStatus, WaitTimeoutError
from sora2.client._base import (
    AtomicFile,
    image_file,
    normalise_base_url,
    output_path_for,
    socketio_address,
)
from sora2.client._watch import Deadline, WatchState, event_updates


def video(**changes: Any) -> Video:
    fields: dict[str, Any] = {
        "id": "v1",
        "user_id": "u1",
        "openai_video_id": "video_1",
        "prompt": "A cat",
        "model": "sora-2",
        "size": "1280x720",
        "seconds": "8",
        "status": "in_progress",
        "progress": 40,
        "created_at": 1705849200,
    }
    return Video.model_validate(fields | changes)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:3000", "http://localhost:3000"),
        ("http://localhost:3000/", "http://localhost:3000"),
        ("http://localhost:3000/api", "http://localhost:3000"),
        (" https://example.org/sora2/api/ ", "https://example.org/sora2"),
    ],
)
def test_base_urls(given: str, expected: str) -> None:
    assert normalise_base_url(given) == expected


@pytest.mark.parametrize("bad", ["localhost:3000", "ftp://host", "http://", ""])
def test_bad_base_urls(bad: str) -> None:
    with pytest.raises(ValueError, match="http"):
        normalise_base_url(bad)


def test_socketio_lives_below_the_base_path() -> None:
    assert socketio_address("http://h:3000") == ("http://h:3000", "socket.io")
    assert socketio_address("https://h/sora2") == ("https://h", "sora2/socket.io")


def test_a_video_reads_like_the_guides_dict_and_keeps_new_fields() -> None:
    record = video(cost=0.8)
    assert record["id"] == "v1" and record["status"] == "in_progress"
    assert record.status is VideoStatus.IN_PROGRESS
    assert record.get("progress", 0) == 40 and record.get("absent") is None
    assert record["cost"] == 0.8 and "cost" in record and "absent" not in record
    with pytest.raises(KeyError):
        record["absent"]
    assert record.to_dict()["status"] == "in_progress"
    assert not record.is_finished and video(status="failed").is_failed


def test_watch_state_merges_updates_and_never_goes_backwards() -> None:
    state = WatchState(video())
    assert state.apply({"progress": 55}) == video(progress=55)
    assert state.apply({"progress": 55}) is None  # nothing new
    assert state.apply({"progress": 50}) is None  # a late event
    assert state.replace(video(status="queued", progress=0)) is None  # a late poll
    done = state.replace(video(status="completed", progress=100, completed_at=1705849300))
    assert done is not None and state.done
    assert state.apply({"status": "failed"}) is None  # finished is final
    with pytest.raises(NotFoundError, match="deleted"):
        WatchState(video()).apply({"deleted": True})


def test_event_updates_are_picked_by_video() -> None:
    assert event_updates({"video_id": "v1", "updates": {"progress": 3}}, "v1") == {"progress": 3}
    assert event_updates({"video_id": "v2", "updates": {"progress": 3}}, "v1") is None
    assert event_updates({"video_id": "v1", "updates": "junk"}, "v1") is None
    assert event_updates(["junk"], "v1") is None


def test_deadline() -> None:
    assert Deadline(None, "v1").next_wait(connected=False, poll_interval=2) == 2
    assert Deadline(None, "v1").next_wait(connected=True, poll_interval=2) == 30
    assert Deadline(10, "v1").next_wait(connected=True, poll_interval=2) <= 10
    with pytest.raises(WaitTimeoutError, match="v1 did not finish within 0 seconds"):
        Deadline(0, "v1").next_wait(connected=False, poll_interval=2)


def test_output_paths(tmp_path: Path) -> None:
    assert output_path_for(None, "v1", "video") == Path("v1.mp4")
    assert output_path_for(tmp_path, "v1", "thumbnail") == tmp_path / "v1.webp"
    assert output_path_for(tmp_path / "x.bin", "v1", "spritesheet") == tmp_path / "x.bin"


def test_image_files(tmp_path: Path) -> None:
    assert image_file(b"\xff\xd8\xff\xe0 jpeg")[::2] == ("input_reference.jpg", "image/jpeg")
    assert image_file(b"RIFF\0\0\0\0WEBPVP8 ")[::2] == ("input_reference.webp", "image/webp")
    assert image_file(b"GIF89a")[::2] == ("input_reference", "application/octet-stream")
    path = tmp_path / "frame.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nrest")
    with path.open("rb") as handle:
        assert image_file(handle) == ("frame.png", b"\x89PNG\r\n\x1a\nrest", "image/png")


def test_atomic_file(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"old")
    kept = AtomicFile(target)
    kept.write(b"half")
    kept.discard()
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]

    written = AtomicFile(target)
    written.write(b"new ")
    written.write(b"content")
    assert target.read_bytes() == b"old"  # nobody sees a part
    written.commit()
    assert target.read_bytes() == b"new content" and list(tmp_path.iterdir()) == [target]
