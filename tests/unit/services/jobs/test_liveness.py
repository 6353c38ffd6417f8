"""Lock files tell a live tracker owner from a dead one (the kernel drops a dead process's lock)."""

from __future__ import annotations

from pathlib import Path

from sora2.services.jobs.liveness import OwnerLocks


def test_a_held_owner_is_alive_and_a_released_one_leaves_nothing(tmp_path: Path) -> None:
    mine = OwnerLocks(tmp_path)
    mine.hold("host:1:alive")
    # Another process looking at the same folder (a second open file: its own lock attempt).
    assert OwnerLocks(tmp_path).take_dead() == []
    assert mine.take_dead() == []  # never judges itself
    mine.release()
    assert list(tmp_path.iterdir()) == []


def test_an_unlocked_file_is_a_dead_owner_taken_once(tmp_path: Path) -> None:
    # What a process killed with -9 leaves: its file, with no lock on it any more.
    (tmp_path / "0123.lock").write_bytes(b"host:42:dead")
    (tmp_path / ".4567.tmp").write_bytes(b"host:43:starting")  # not announced yet: ignored
    first, second = OwnerLocks(tmp_path), OwnerLocks(tmp_path)
    assert first.take_dead() == ["host:42:dead"]
    assert second.take_dead() == []
    assert [path.name for path in tmp_path.iterdir()] == [".4567.tmp"]


def test_a_missing_folder_has_no_dead_owners(tmp_path: Path) -> None:
    assert OwnerLocks(tmp_path / "absent").take_dead() == []
