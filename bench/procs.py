"""Servers as pinned subprocesses: the platform, its peers, the simulator; RSS readings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.core import pinned
from tests.support.processes import free_port

__all__ = [
    "Service",
    "free_port",
    "login",
    "peer",
    "platform",
    "rss_bytes",
    "running",
    "running_together",
]

ADMIN_PASSWORD = "admin"  # noqa: S105 - the loopback-only first login a fresh platform makes


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


class Service:
    """One server process: started pinned, ready when `ready_path` answers, stopped on exit."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        port: int,
        log: Path,
        cpus: Sequence[int] = (),
        env: Mapping[str, str] | None = None,
        ready_path: str = "/",
    ) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._command = pinned(command, cpus)
        base = {k: v for k, v in os.environ.items() if not k.startswith("SORA2_")}
        self._env = base | dict(env or {})
        self._ready_path = ready_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 120) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self._command, env=self._env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 120) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + self._ready_path, timeout=2).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} not ready: {self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def running(service: Service) -> Iterator[Service]:
    try:
        service.start()
        yield service
    finally:
        service.stop()


@contextmanager
def running_together(*services: Service) -> Iterator[tuple[Service, ...]]:
    """Start several services at once (their start-ups overlap), stop them all afterwards."""
    try:
        for service in services:
            service.launch()
        for service in services:
            service.wait_ready()
        yield services
    finally:
        for service in services:
            service.stop()


def platform(
    workdir: Path,
    name: str,
    *,
    cpus: Sequence[int] = (),
    module: str = "sora2",
    extra_args: Sequence[str] = (),
    **settings: str,
) -> Service:
    """The full platform (`python -m sora2 serve`, or a bench host wrapping the same app)."""
    data = workdir / name
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        "SORA2_DATA_DIR": str(data),
        "SORA2_HOST": "127.0.0.1",
        "SORA2_PORT": str(port),
        "SORA2_LOG_LEVEL": "warning",
        "SORA2_SIMULATOR_JOB_SECONDS": "1",
        "SORA2_POLL_INTERVAL_SECONDS": "0.2",
        **{f"SORA2_{key.upper()}": value for key, value in settings.items()},
    }
    args = ["serve"] if module == "sora2" else []
    return Service(
        name,
        [sys.executable, "-m", module, *args, *extra_args],
        port=port,
        log=workdir / f"{name}.log",
        cpus=cpus,
        env=env,
        ready_path="/health",
    )


def peer(workdir: Path, name: str, kind: str, *args: str, cpus: Sequence[int] = ()) -> Service:
    """A bare Starlette peer (bench.peers) on uvicorn."""
    port = free_port()
    return Service(
        name,
        [sys.executable, "-m", "bench.peers", kind, *args, "--port", str(port)],
        port=port,
        log=workdir / f"{name}.log",
        cpus=cpus,
        ready_path="/ready",
    )


def login(url: str, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(
        url + "/api/auth/login", json={"username": username, "password": password}, timeout=30
    )
    response.raise_for_status()
    return str(response.json()["token"])
