"""B1 (one video's JSON), B3 (a 40 MB download) and B4 (random 1 MiB ranges) over HTTP."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import httpx

from bench import procs, wrk
from bench.core import Context, Row, alternate, compare
from tests.support.nginx import running_nginx

FILE_BYTES = 40 * 1024 * 1024
SPAN = 1024 * 1024


def _completed_video(client: httpx.Client) -> str:
    created = client.post(
        "/api/videos", data={"prompt": "bench: a lighthouse at dusk", "seconds": "4"}
    )
    created.raise_for_status()
    video_id = str(created.json()["id"])
    deadline = time.monotonic() + 120
    while client.get(f"/api/videos/{video_id}").json()["status"] != "completed":
        if time.monotonic() > deadline:
            raise TimeoutError("the bench video did not complete")
        time.sleep(0.2)
    return video_id


def _big_file(data_dir: Path, video_id: str) -> Path:
    """Replace the video's stored file by 40 MB of random bytes (atomically, like the store)."""
    [path] = [p for p in (data_dir / "media").rglob("video.mp4") if video_id in str(p)]
    tmp = path.with_name(".bench.part")
    tmp.write_bytes(random.Random(9).randbytes(FILE_BYTES))
    os.replace(tmp, path)
    return path


def run(ctx: Context) -> list[Row]:
    server = procs.platform(ctx.workdir, "b1-platform", cpus=ctx.server_cpus)
    with procs.running(server):
        token = procs.login(server.url)
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
            video_id = _completed_video(client)
            body = client.get(f"/api/videos/{video_id}").content
            big = _big_file(ctx.workdir / "b1-platform", video_id)
            assert client.get(f"/api/videos/{video_id}/content").content == big.read_bytes()
        body_file = ctx.workdir / "video.json"
        body_file.write_bytes(body)
        rows = _b1(ctx, server.url + f"/api/videos/{video_id}", auth, body_file)
        rows += _b3_b4(ctx, server.url + f"/api/videos/{video_id}/content", auth, big)
    return rows


def _b1(ctx: Context, url: str, auth: dict[str, str], body_file: Path) -> list[Row]:
    peer = procs.peer(ctx.workdir, "b1-peer", "bytes", str(body_file), cpus=ctx.server_cpus)
    framework = procs.peer(
        ctx.workdir, "b1-fastapi", "fastapi", str(body_file), cpus=ctx.server_cpus
    )
    with procs.running(peer), procs.running(framework):

        def ours() -> wrk.WrkResult:
            return wrk.run(
                url, seconds=ctx.seconds, connections=16, cpus=ctx.load_cpus, headers=auth
            )

        def bare() -> wrk.WrkResult:
            return wrk.run(
                peer.url + "/video", seconds=ctx.seconds, connections=16, cpus=ctx.load_cpus
            )

        def trivial() -> wrk.WrkResult:
            return wrk.run(
                framework.url + url[url.index("/api/") :], seconds=ctx.seconds, connections=16,
                cpus=ctx.load_cpus,
            )  # fmt: skip

        ours(), bare(), trivial()  # warm-up, not counted
        results: list[tuple[wrk.WrkResult, wrk.WrkResult, wrk.WrkResult]] = []
        for _ in range(ctx.rounds):
            results.append((ours(), bare(), trivial()))
    a = [r[0] for r in results]
    b = [r[1] for r in results]
    f = [r[2] for r in results]
    name = "bare Starlette, same bytes"
    return [
        compare("B1", "GET /api/videos/{id} with a JWT, 16 connections", "req/s",
                [r.requests_per_second for r in a], [r.requests_per_second for r in b],
                op=">=", limit=0.5, peer_name=name),
        compare("B1", "same, p99 latency", "ms",
                [r.p99_seconds * 1e3 for r in a], [r.p99_seconds * 1e3 for r in b],
                op="<=", limit=3, peer_name=name),
        # Context for reading the first row: what the framework alone reaches on this machine.
        compare("B1", "context: a trivial FastAPI route, same bytes (no dependency, no database)",
                "req/s", [r.requests_per_second for r in f], [r.requests_per_second for r in b],
                op=">=", limit=0.5, peer_name=name),
    ]  # fmt: skip


def _b3_b4(ctx: Context, url: str, auth: dict[str, str], big: Path) -> list[Row]:
    folder = big.parent
    body = f"""
        location /files/ {{
            alias {folder}/;
        }}
"""
    script = wrk.range_script(ctx.workdir / "ranges.lua", size=FILE_BYTES, span=SPAN)
    with running_nginx(ctx.workdir / "nginx", body, cpus=ctx.server_cpus) as nginx:
        nginx_url = f"{nginx}/files/{big.name}"
        with httpx.Client(timeout=30) as client:
            assert client.get(nginx_url).content == big.read_bytes()

        def full(target: str, headers: dict[str, str]) -> float:
            result = wrk.run(target, seconds=ctx.seconds, connections=4, cpus=ctx.load_cpus,
                             headers=headers)  # fmt: skip
            return result.bytes_per_second / 1e6

        def ranged(target: str, headers: dict[str, str]) -> float:
            result = wrk.run(target, seconds=ctx.seconds, connections=4, cpus=ctx.load_cpus,
                             headers=headers, script=script)  # fmt: skip
            return result.bytes_per_second / 1e6

        full(url, auth), full(nginx_url, {})  # warm-up (page cache), not counted
        a3, b3 = alternate(ctx.rounds, lambda: full(url, auth), lambda: full(nginx_url, {}))
        a4, b4 = alternate(ctx.rounds, lambda: ranged(url, auth), lambda: ranged(nginx_url, {}))
    correct = range_correctness(url, auth, big.read_bytes())
    return [
        compare("B3", "GET .../content, whole 40 MB file, 4 connections", "MB/s", a3, b3,
                op=">=", limit=0.7, peer_name="nginx sendfile"),
        compare("B4", "random 1 MiB Range requests, 4 connections", "MB/s", a4, b4,
                op=">=", limit=0.4, peer_name="nginx sendfile"),
        correct,
    ]  # fmt: skip


def range_correctness(url: str, auth: dict[str, str], data: bytes, *, checks: int = 300) -> Row:
    """206 bodies equal the file's bytes, 416 past the end, If-Range: a stale validator -> 200."""
    rng = random.Random(3)
    size = len(data)
    good = total = 0
    with httpx.Client(headers=auth, timeout=30) as client:
        etag = client.head(url).headers["etag"]
        for _ in range(checks):
            first = rng.randrange(0, size)
            last = min(size - 1, first + rng.randrange(1, 2 * SPAN))
            response = client.get(url, headers={"Range": f"bytes={first}-{last}"})
            total += 1
            good += (
                response.status_code == 206
                and response.content == data[first : last + 1]
                and response.headers["content-range"] == f"bytes {first}-{last}/{size}"
            )
        cases: list[tuple[dict[str, str], int, bytes | None]] = [
            ({"Range": f"bytes={size}-"}, 416, None),
            ({"Range": f"bytes={size + 10}-{size + 20}"}, 416, None),
            ({"Range": "bytes=-100"}, 206, data[-100:]),
            ({"Range": "bytes=0-99", "If-Range": etag}, 206, data[:100]),
            ({"Range": "bytes=0-99", "If-Range": '"stale"'}, 200, None),
            ({"Range": "bytes=0-99", "If-Range": "Mon, 01 Jan 2001 00:00:00 GMT"}, 200, None),
        ]
        for headers, status, body in cases:
            with client.stream("GET", url, headers=headers) as response:
                total += 1
                ok = response.status_code == status
                if body is not None:
                    ok = ok and response.read() == body
                good += ok
    share = 100.0 * good / total
    return Row(
        bench="B4",
        what=f"Range correctness: {total} requests (206, 416, If-Range)",
        unit="% correct",
        ours=share,
        peer=float("nan"),
        ratio=float("nan"),
        spread=(share, share),
        target="== 100 %",
        passed=good == total,
        rounds=1,
        peer_name="-",
    )
