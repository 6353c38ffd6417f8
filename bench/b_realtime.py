"""B5 (Socket.IO fan-out), B6 (the same through Redis across two processes) and B7 (RSS)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench import procs
from bench.core import Context, Row, absolute, compare, pinned

CLIENTS = 1000
STEP = 200  # B7: connections added per round
EVENTS = 5  # B5/B6: events per round, each delivered to every client
BURST = 1000  # B6: updates fired at once
BURST_CLIENTS = 5


class LoadGen:
    """A `bench.loadgen` process on the load core, driven line by line."""

    def __init__(self, args: Sequence[str], cpus: Sequence[int], log: Path) -> None:
        self._log = log.open("ab")
        self.proc = subprocess.Popen(
            pinned([sys.executable, "-m", "bench.loadgen", *args], cpus),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the load generator died on {command!r}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"load generator: {answer['error']} (on {command!r})")
        return answer

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


@contextmanager
def loadgen(args: Sequence[str], ctx: Context, name: str) -> Iterator[LoadGen]:
    gen = LoadGen(args, ctx.load_cpus, ctx.workdir / f"{name}.log")
    try:
        yield gen
    finally:
        gen.close()


def _me(url: str, token: str) -> str:
    response = httpx.get(url + "/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return str(response.json()["id"])


def run(ctx: Context) -> list[Row]:
    rows = _idle_rss(ctx)
    secret = secrets.token_hex(32)
    shared_db = f"sqlite+aiosqlite:///{ctx.workdir / 'shared.db'}"
    redis = {"redis_url": "redis://127.0.0.1:6379/0", "redis_channel": f"bench-{uuid.uuid4().hex}"}
    common = {"tracker_enabled": "false"}
    with ExitStack() as stack:
        # Started together; the second Redis process only once the first has migrated the
        # database they share.
        host, peer, first = stack.enter_context(
            procs.running_together(
                procs.platform(ctx.workdir, "b5-host", cpus=ctx.server_cpus, module="bench.host",
                               **common),
                procs.peer(ctx.workdir, "b5-peer", "ws", cpus=ctx.server_cpus),
                procs.platform(ctx.workdir, "b6-emitter", cpus=ctx.server_cpus,
                               module="bench.host", database_url=shared_db, jwt_secret=secret,
                               **redis, **common),
            )
        )  # fmt: skip
        second = stack.enter_context(procs.running(procs.platform(
            ctx.workdir, "b6-server", cpus=ctx.server_cpus, module="bench.host",
            database_url=shared_db, jwt_secret=secret, **redis, **common)))  # fmt: skip

        token = procs.login(host.url)
        user = _me(host.url, token)
        shared_token = procs.login(first.url)
        shared_user = _me(first.url, shared_token)
        burst_token, burst_user = _second_user(first.url, shared_token)

        ours = stack.enter_context(loadgen(["sio", host.url, token], ctx, "b5-clients"))
        raw = stack.enter_context(loadgen(["ws", peer.url + "/ws"], ctx, "b5-raw-clients"))
        # B7: RSS added per idle connection, 200 at a time, alternating.
        per_ours: list[float] = []
        per_raw: list[float] = []
        for _ in range(CLIENTS // STEP):
            per_ours.append(_rss_step(ours, host))
            per_raw.append(_rss_step(raw, peer))
        rows.append(compare("B7", "RSS per idle Socket.IO connection", "KiB", per_ours, per_raw,
                            op="<=", limit=1.5, peer_name="raw websocket connection"))  # fmt: skip

        # B5: one event to 1,000 sockets of one user, EVENTS times per round.
        ours_emit = f"{host.url}/bench/emit?user_id={user}&count={EVENTS}"
        raw_emit = f"{peer.url}/emit?count={EVENTS}"
        ours.ask(f"round 1 {host.url}/bench/emit?user_id={user}&count=1")  # warm-up
        raw.ask(f"round 1 {peer.url}/emit?count=1")
        a: list[dict[str, Any]] = []
        b: list[dict[str, Any]] = []
        for _ in range(ctx.rounds):
            a.append(ours.ask(f"round {EVENTS} {ours_emit}"))
            b.append(raw.ask(f"round {EVENTS} {raw_emit}"))
        rows += [
            compare("B5", f"video_update fan-out to {CLIENTS} clients", "deliveries/s",
                    [r["deliveries_per_second"] for r in a],
                    [r["deliveries_per_second"] for r in b],
                    op=">=", limit=0.4, peer_name="raw websocket sends"),
            compare("B5", "same, p99 delivery latency", "ms",
                    [r["p99_ms"] for r in a], [r["p99_ms"] for r in b],
                    op="<=", limit=2, peer_name="raw websocket sends"),
            absolute("B5", "events lost (Socket.IO, all rounds)", "events",
                     [float(sum(r["lost"] for r in a))], op="==", limit=0),
        ]  # fmt: skip

        # B6: the same 1,000 clients' worth, emitted in one process, delivered by another.
        far = stack.enter_context(loadgen(["sio", second.url, shared_token], ctx, "b6-clients"))
        far.ask(f"connect {CLIENTS}")
        far_emit = f"{first.url}/bench/emit?user_id={shared_user}&count={EVENTS}"
        far.ask(f"round 1 {first.url}/bench/emit?user_id={shared_user}&count=1")
        c, d = [], []
        for _ in range(ctx.rounds):
            c.append(far.ask(f"round {EVENTS} {far_emit}"))
            d.append(ours.ask(f"round {EVENTS} {ours_emit}"))
        rows.append(compare("B6", f"fan-out to {CLIENTS} clients through Redis, 2 processes",
                            "deliveries/s", [r["deliveries_per_second"] for r in c],
                            [r["deliveries_per_second"] for r in d], op=">=", limit=0.3,
                            peer_name="B5 in one process"))  # fmt: skip
        burst = stack.enter_context(loadgen(["sio", second.url, burst_token], ctx, "b6-burst"))
        burst.ask(f"connect {BURST_CLIENTS}")
        burst_emit = f"{first.url}/bench/emit?user_id={burst_user}&count={BURST}"
        bursts = [burst.ask(f"round {BURST} {burst_emit}") for _ in range(ctx.rounds)]
        lost = sum(r["lost"] for r in c) + sum(r["lost"] for r in bursts)
        disordered = sum(r["disordered_clients"] for r in bursts)
        rows.append(absolute(
            "B6", f"events lost through Redis (incl. {ctx.rounds} bursts of {BURST} updates to "
            f"{BURST_CLIENTS} clients; {disordered} clients saw them out of order)", "events",
            [float(lost)], op="==", limit=0))  # fmt: skip
    return rows


def _second_user(url: str, admin_token: str) -> tuple[str, str]:
    name, password = f"burst-{uuid.uuid4().hex[:8]}", secrets.token_hex(16)
    response = httpx.post(
        url + "/api/users",
        json={"username": name, "password": password, "is_admin": False},
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=30,
    )
    response.raise_for_status()
    token = procs.login(url, name, password)
    return token, _me(url, token)


def _rss_step(gen: LoadGen, server: procs.Service) -> float:
    before = procs.rss_bytes(server.pid)
    gen.ask(f"connect {STEP}")
    time.sleep(0.5)
    return (procs.rss_bytes(server.pid) - before) / STEP / 1024


def _idle_rss(ctx: Context) -> list[Row]:
    """B7: a fresh full server (the `sora2 serve` command) vs a fresh bare Starlette process."""
    body = ctx.workdir / "body.json"
    body.write_text('{"ok": true}')
    ours: list[float] = []
    bare: list[float] = []
    for n in range(ctx.rounds):
        full = procs.platform(ctx.workdir, f"b7-full-{n}", cpus=ctx.server_cpus)
        bare_process = procs.peer(
            ctx.workdir, f"b7-bare-{n}", "bytes", str(body), cpus=ctx.server_cpus
        )
        with procs.running_together(full, bare_process):
            ours.append(_idle_mib(full, "/health"))
            bare.append(_idle_mib(bare_process, "/ready"))
    return [
        compare("B7", "idle RSS of the full server (simulator, tracker, Socket.IO, MCP)", "MiB",
                ours, bare, op="<=", limit=3, peer_name="bare Starlette process"),
    ]  # fmt: skip


def _idle_mib(service: procs.Service, path: str) -> float:
    """RSS after start-up and one request, settled."""
    httpx.get(service.url + path)
    time.sleep(0.5)
    return procs.rss_bytes(service.pid) / 2**20
