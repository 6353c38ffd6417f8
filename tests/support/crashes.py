"""A platform server process and a standalone simulator process that outlives its crashes.

The simulator runs with `--faults`, so a test can make the provider answer late, refuse, or cut
a connection on cue (`Upstream.inject`), and count what it was asked (`Upstream.stats`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import Process, free_port
from tests.support.waiting import wait_until

SIMULATOR_KEY = "test-simulator-key"


class Upstream:
    """The standalone simulator: `url` is its `/v1` base URL."""

    def __init__(self, proc: Process, url: str) -> None:
        self.proc = proc
        self.url = url
        self._headers = {"Authorization": f"Bearer {SIMULATOR_KEY}"}

    def stats(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/simulator/stats", headers=self._headers, timeout=10)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def inject(self, *faults: Mapping[str, Any]) -> None:
        response = httpx.post(
            f"{self.url}/simulator/faults",
            json={"faults": list(faults)},
            headers=self._headers,
            timeout=10,
        )
        assert response.status_code == 200, response.text

    def pending_faults(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/simulator/faults", headers=self._headers, timeout=10)
        pending: list[dict[str, Any]] = response.json()["pending"]
        return pending

    def jobs(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.url}/videos", params={"limit": 100}, headers=self._headers, timeout=10
        )
        data: list[dict[str, Any]] = response.json()["data"]
        return data

    def platform_env(self) -> dict[str, str]:
        """What points a platform at this simulator."""
        return {"SORA2_OPENAI_BASE_URL": self.url, "SORA2_OPENAI_API_KEY": SIMULATOR_KEY}


@contextmanager
def standalone_simulator(folder: Path, *, job_seconds: float = 4) -> Iterator[Upstream]:
    port = free_port()
    proc = Process(
        [
            "simulator",
            "--port", str(port),
            "--data-dir", str(folder / "simulator"),
            "--api-key", SIMULATOR_KEY,
            "--job-seconds", str(job_seconds),
            "--faults",
        ],
        {},
        folder / "simulator.log",
        f"http://127.0.0.1:{port}/v1/simulator/stats",
    )  # fmt: skip
    proc.start()
    try:
        yield Upstream(proc, f"http://127.0.0.1:{port}/v1")
    finally:
        proc.stop()


def platform(folder: Path, database_url: str, extra: Mapping[str, str] | None = None) -> Process:
    """`sora2 serve` with short timings; not started."""
    port = free_port()
    env = {
        "SORA2_PORT": str(port),
        "SORA2_DATA_DIR": str(folder / "data"),
        "SORA2_DATABASE_URL": database_url,
        "SORA2_SIMULATOR_JOB_SECONDS": "4",
        "SORA2_POLL_INTERVAL_SECONDS": "0.2",
        "SORA2_TRACKER_LEASE_SECONDS": "2",
        "SORA2_LOG_LEVEL": "info",
        **(extra or {}),
    }
    return Process(["serve"], env, folder / "server.log", f"http://127.0.0.1:{port}/health")


def client_for(proc: Process) -> httpx.Client:
    """A client of a platform process, logged in as the initial admin."""
    base = proc.ready_url.removesuffix("/health")
    token = httpx.post(
        f"{base}/api/auth/login", json={"username": "admin", "password": "admin"}, timeout=60
    ).json()["token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def wait_until_progressing(client: httpx.Client, video_id: str) -> None:
    def progressing() -> bool:
        video = client.get(f"/api/videos/{video_id}").json()
        return bool(video["status"] == "in_progress" and video["progress"] > 0)

    wait_until(progressing, message="the video never made progress")
