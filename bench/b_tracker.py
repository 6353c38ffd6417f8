"""B8 (the tracker's upstream requests and notify latency) and B9 (a 40 MB result download).

The upstream is the real simulator (`sora2 simulator`) on the load core; it counts every
request it serves (`GET /v1/simulator/stats`), for us and for the naive poller alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import socketio

from bench import procs
from bench.core import Context, Row, absolute, alternate, compare, percentile, pinned

JOBS = 200
JOB_SECONDS = 3.0  # a `[fail]` job turns failed at half of it: no render, only tracking
FAIL_SHARE = 0.5
POLL = 1.0  # the poll interval, ours and the naive poller's
FILE_BYTES = 40 * 1024 * 1024


def simulator(ctx: Context, name: str) -> procs.Service:
    port = procs.free_port()
    return procs.Service(
        name,
        [sys.executable, "-m", "sora2", "simulator", "--port", str(port), "--data-dir",
         str(ctx.workdir / name), "--job-seconds", str(JOB_SECONDS)],
        port=port, log=ctx.workdir / f"{name}.log", cpus=ctx.load_cpus,
        env={"SORA2_LOG_LEVEL": "warning"}, ready_path="/v1/simulator/stats",
    )  # fmt: skip


def run(ctx: Context) -> list[Row]:
    return _b9(ctx) + _b8(ctx)


# --------------------------------------------------------------------------- B9


def _b9(ctx: Context) -> list[Row]:
    sim = simulator(ctx, "b9-simulator")
    with procs.running(sim), httpx.Client(base_url=sim.url, timeout=60) as client:
        job = client.post("/v1/videos", json={"prompt": "bench: 40 MB", "seconds": "4",
                                              "size": "720x1280"})  # fmt: skip
        job.raise_for_status()
        upstream_id = job.json()["id"]
        deadline = time.monotonic() + 120
        while client.get(f"/v1/videos/{upstream_id}").json()["status"] != "completed":
            if time.monotonic() > deadline:
                raise TimeoutError("the simulator did not finish the bench job")
            time.sleep(0.2)
        [path] = [p for p in (ctx.workdir / "b9-simulator").rglob("video.mp4")
                  if upstream_id in str(p)]  # fmt: skip
        tmp = path.with_name(".bench.part")
        tmp.write_bytes(random.Random(5).randbytes(FILE_BYTES))
        os.replace(tmp, path)
        url = f"{sim.url}/v1/videos/{upstream_id}/content"
        lags: list[float] = []
        idle_lags: list[float] = []

        def ours() -> float:
            out = ctx.workdir / "b9-store"
            done = subprocess.run(
                pinned([sys.executable, "-m", "bench.fetch_one", sim.url + "/v1", upstream_id,
                        str(out)], ctx.server_cpus),
                capture_output=True, text=True, timeout=300, check=True,
            )  # fmt: skip
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if result["bytes"] != FILE_BYTES:
                raise AssertionError(f"downloaded {result['bytes']} bytes")
            lags.append(result["lag_p99_ms"])
            idle_lags.append(result["idle_lag_p99_ms"])
            return FILE_BYTES / float(result["seconds"]) / 1e6

        def curl() -> float:
            out = ctx.workdir / "b9-curl.mp4"
            done = subprocess.run(
                pinned(["curl", "-sS", "-o", str(out), "-w", "%{time_total}", url],
                       ctx.server_cpus),
                capture_output=True, text=True, timeout=300, check=True,
            )  # fmt: skip
            if out.stat().st_size != FILE_BYTES:
                raise AssertionError("curl downloaded a different size")
            return FILE_BYTES / float(done.stdout.strip()) / 1e6

        ours(), curl()  # warm-up (page cache), not counted
        lags.clear()
        idle_lags.clear()
        a, b = alternate(ctx.rounds, ours, curl)
    return [
        compare("B9", "tracker download of a 40 MB result to storage", "MB/s", a, b,
                op=">=", limit=0.85, peer_name="curl -o"),
        absolute("B9", "event-loop lag p99 during that download", "ms", lags,
                 op="<", limit=10, peer=statistics.median(idle_lags),
                 peer_name="same loop idle, just before"),
    ]  # fmt: skip


# --------------------------------------------------------------------------- B8


def _upstream_done_at(sim_dir: Path) -> dict[str, float]:
    """When each upstream job turned terminal, from the simulator's own job table."""
    with sqlite3.connect(sim_dir / "jobs.db") as db:
        rows = db.execute("SELECT id, created_at, job_seconds FROM jobs").fetchall()
    return {row[0]: row[1] + row[2] * FAIL_SHARE for row in rows}


def _status_requests(stats: dict[str, Any]) -> int:
    """Requests that only ask how jobs are doing: all of them but the creates (one per job,
    for us and the naive poller alike)."""
    return int(stats["requests"]) - int(stats["creates"]) - int(stats["remixes"])


def _b8(ctx: Context) -> list[Row]:
    sim = simulator(ctx, "b8-simulator")
    server = procs.platform(
        ctx.workdir, "b8-platform", cpus=ctx.server_cpus,
        openai_base_url=sim.url + "/v1", openai_api_key="bench",
        poll_interval_seconds=str(POLL), user_max_active_videos="0",
    )  # fmt: skip
    sim_dir = ctx.workdir / "b8-simulator"
    with procs.running(sim), procs.running(server):
        token = procs.login(server.url)
        ours_runs: list[dict[str, Any]] = []
        naive_runs: list[dict[str, Any]] = []

        def stats() -> int:
            return _status_requests(httpx.get(sim.url + "/v1/simulator/stats", timeout=30).json())

        def ours() -> float:
            before = stats()
            result = asyncio.run(_ours_round(server.url, token, sim_dir))
            result["requests_per_job"] = (stats() - before) / JOBS
            ours_runs.append(result)
            return float(result["requests_per_job"])

        def naive() -> float:
            before = stats()
            result = asyncio.run(_naive_round(sim.url, sim_dir))
            result["requests_per_job"] = (stats() - before) / JOBS
            naive_runs.append(result)
            return float(result["requests_per_job"])

        a, b = alternate(ctx.rounds, ours, naive)
    missed = sum(r["missed"] for r in ours_runs)
    return [
        compare("B8", f"tracker, {JOBS} jobs in flight: upstream status requests per job",
                "req/job", a, b, op="<=", limit=0.1,
                peer_name=f"naive per-job polling every {POLL:g} s"),
        absolute("B8", "p95 upstream completion -> client event", "ms",
                 [r["p95_ms"] for r in ours_runs], op="<=", limit=POLL * 1e3 / 2,
                 peer=float(sorted(r["p95_ms"] for r in naive_runs)[len(naive_runs) // 2]),
                 peer_name="naive poller seeing it"),
        absolute("B8", "jobs whose event never came", "jobs", [float(missed)], op="==", limit=0),
    ]  # fmt: skip


async def _ours_round(url: str, token: str, sim_dir: Path) -> dict[str, Any]:
    seen: dict[str, float] = {}
    finished = asyncio.Event()
    wanted: set[str] = set()
    client = socketio.AsyncClient(reconnection=False)

    def on_update(data: dict[str, Any]) -> None:
        if data.get("updates", {}).get("status") in ("failed", "completed"):
            seen.setdefault(data["video_id"], time.time())
            if wanted and wanted <= set(seen):
                finished.set()

    client.on("video_update", on_update)
    await client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    upstream: dict[str, str] = {}
    try:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            gate = asyncio.Semaphore(16)

            async def create(n: int) -> None:
                async with gate:
                    response = await http.post(
                        "/api/videos", data={"prompt": f"[fail] bench job {n}", "seconds": "4"}
                    )
                    response.raise_for_status()
                    wanted.add(response.json()["id"])

            await asyncio.gather(*(create(n) for n in range(JOBS)))
            if wanted <= set(seen):
                finished.set()
            with contextlib.suppress(TimeoutError):  # the missed ones are counted below
                await asyncio.wait_for(finished.wait(), timeout=JOB_SECONDS + 60)
            for video_id in wanted:
                video = (await http.get(f"/api/videos/{video_id}")).json()
                upstream[video_id] = video["openai_video_id"]
    finally:
        await client.disconnect()
    done_at = _upstream_done_at(sim_dir)
    latencies = [
        (seen[v] - done_at[upstream[v]]) * 1e3
        for v in wanted
        if v in seen and upstream[v] in done_at
    ]
    return {"p95_ms": percentile(latencies, 0.95), "missed": len(wanted - set(seen))}


async def _naive_round(sim_url: str, sim_dir: Path) -> dict[str, Any]:
    seen: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=sim_url, timeout=60) as http:
        gate = asyncio.Semaphore(16)

        async def one(n: int) -> None:
            async with gate:
                response = await http.post(
                    "/v1/videos", json={"prompt": f"[fail] naive job {n}", "seconds": "4"}
                )
                response.raise_for_status()
            upstream_id = response.json()["id"]
            while True:
                await asyncio.sleep(POLL * random.uniform(0.9, 1.1))
                job = (await http.get(f"/v1/videos/{upstream_id}")).json()
                if job["status"] in ("failed", "completed"):
                    seen[upstream_id] = time.time()
                    return

        await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(JOBS))), JOB_SECONDS + 60)
    done_at = _upstream_done_at(sim_dir)
    latencies = [(at - done_at[u]) * 1e3 for u, at in seen.items()]
    return {"p95_ms": percentile(latencies, 0.95), "missed": JOBS - len(seen)}
