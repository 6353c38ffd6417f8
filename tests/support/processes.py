"""Platform and simulator servers as real processes, for tests that kill them.

Every child started here (`popen`) dies with the test process: on Linux it is spawned with
`PR_SET_PDEATHSIG` = SIGKILL, so a pytest worker killed by a timeout or by xdist leaves no orphan
`sora2 serve` or simulator holding a port and a database. The kernel sends that signal when the
*thread* that forked the child ends, not the process; children are therefore always forked by
one long-lived spawner thread, never by a short-lived one (`asyncio.to_thread`, a fixture's).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _death_signal_setter() -> Callable[[], None] | None:
    """A preexec_fn that makes the child receive SIGKILL when its parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl = libc.prctl  # resolved here, in the parent: the child only calls it
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int

    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above: follow it now
            os.kill(os.getpid(), signal.SIGKILL)

    return set_death_signal


_SPAWNER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-spawner")
_SPAWN_LOCK = threading.Lock()


def popen(args: Sequence[str], **options: Any) -> subprocess.Popen[Any]:
    """`subprocess.Popen` for a child that must not outlive this test process."""

    def spawn() -> subprocess.Popen[Any]:
        # Built per spawn: the preexec_fn compares the child's parent with this process's pid.
        return subprocess.Popen(args, preexec_fn=_death_signal_setter(), **options)

    with _SPAWN_LOCK:
        return _SPAWNER.submit(spawn).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """`python -m sora2 ARGS` with a clean SORA2_* environment, logging to a file."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path, ready_url: str) -> None:
        self.args = args
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SORA2_")} | dict(env)
        self.log = log
        self.ready_url = ready_url
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> None:
        """Start the process and wait until `ready_url` answers (roomy: imports are slow on a
        busy machine)."""
        with self.log.open("ab") as out:
            self.proc = popen(
                [sys.executable, "-m", "sora2", *self.args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"process exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.ready_url, timeout=1).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()  # not left running behind the failed test
        raise RuntimeError(f"process not ready: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or an OOM kill."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
