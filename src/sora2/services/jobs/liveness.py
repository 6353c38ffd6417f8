"""Which tracker owners on this machine are gone, so a restart retakes their leases at once.

Each process that runs a tracker holds an exclusive `flock` on `DATA_DIR/owners/<id>.lock`, a
file that names its lease owner. The kernel drops the lock when the process dies, however it
dies (kill -9 included), so a lock file whose lock can be taken belongs to a dead process: its
leases can be cleared without waiting for them to run out. Processes on other machines (other
data folders) are never judged; their leases still run out as before (docs/adr/0009).
"""

from __future__ import annotations

import contextlib
import uuid
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: leases simply run out
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".lock"


def _try_lock(file: BinaryIO) -> bool:
    assert fcntl is not None
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class OwnerLocks:
    """The lock files of the tracker owners that share one data folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._mine: tuple[Path, BinaryIO] | None = None

    @property
    def supported(self) -> bool:
        return fcntl is not None

    def hold(self, owner: str) -> None:
        """Announce `owner` as alive for as long as this process lives."""
        if fcntl is None or self._mine is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = uuid.uuid4().hex
        # Locked before it gets its final name: no one ever sees it unlocked while we live.
        tmp = self.folder / f".{name}.tmp"
        file = tmp.open("xb")
        try:
            _try_lock(file)
            file.write(owner.encode())
            file.flush()
            final = self.folder / f"{name}{SUFFIX}"
            tmp.replace(final)
        except BaseException:
            file.close()
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        self._mine = (final, file)

    def take_dead(self) -> list[str]:
        """The owners whose process is gone; their lock files are removed."""
        if fcntl is None or not self.folder.is_dir():
            return []
        mine = self._mine[0] if self._mine else None
        dead: list[str] = []
        for path in sorted(self.folder.glob(f"*{SUFFIX}")):
            if path == mine:
                continue
            try:
                file = path.open("rb")
            except FileNotFoundError:  # another process took it first
                continue
            with file:
                if not _try_lock(file):
                    continue  # alive
                owner = file.read().decode(errors="replace").strip()
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            if owner:
                dead.append(owner)
        return dead

    def release(self) -> None:
        """A clean stop: this owner's leases were handed back, so its file goes too."""
        if self._mine is None:
            return
        path, file = self._mine
        self._mine = None
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        file.close()
