"""B2: `GET /api/videos?limit=50` on a library of 100k rows (1k per user), SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from typing import Any

import asyncpg
import httpx

from bench import procs, wrk
from bench.core import Context, Row, alternate, compare
from tests.support.databases import fresh_database_sync

USERS = 100
PER_USER = 1000
COLUMNS = (
    "id", "user_id", "provider", "upstream_id", "prompt", "model", "size", "seconds", "status",
    "progress", "created_at", "completed_at", "expires_at", "assets", "attempts",
)  # fmt: skip


def _rows(user_ids: list[str]) -> list[tuple[Any, ...]]:
    now = time.time()
    rows = []
    for u, user_id in enumerate(user_ids):
        for i in range(PER_USER):
            created = now - 86400 * 30 + u + i * 37.0
            rows.append((
                str(uuid.uuid4()), user_id, "openai", f"video_{uuid.uuid4().hex}",
                f"bench library video {i} of user {u}: a calm sea at dawn, wide shot",
                "sora-2", "1280x720", 8, "completed", 100, created, created + 30,
                created + 86400, "{}", 1,
            ))  # fmt: skip
    return rows


def _users(count: int) -> list[tuple[Any, ...]]:
    now = time.time()
    return [(str(uuid.uuid4()), f"bench-{n}", "not-a-login", False, 0, now) for n in range(count)]


USER_COLUMNS = ("id", "username", "password_hash", "is_admin", "token_version", "created_at")


def seed(url: str, admin_id: str) -> None:
    """99 more users and 1,000 videos for each of the 100, through the raw driver (fast)."""
    users = _users(USERS - 1)
    videos = _rows([admin_id, *[user[0] for user in users]])
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1], timeout=30) as conn:
            marks = ",".join("?" * len(USER_COLUMNS))
            conn.executemany(
                f"INSERT INTO users ({','.join(USER_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                users,
            )
            marks = ",".join("?" * len(COLUMNS))
            conn.executemany(
                f"INSERT INTO videos ({','.join(COLUMNS)}) VALUES ({marks})",  # noqa: S608
                videos,
            )
            conn.execute("ANALYZE")
        return

    async def pg() -> None:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.copy_records_to_table("users", records=users, columns=USER_COLUMNS)
            await conn.copy_records_to_table("videos", records=videos, columns=COLUMNS)
            await conn.execute("ANALYZE")
        finally:
            await conn.close()

    asyncio.run(pg())


def run(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    for backend in ("sqlite", "postgresql"):
        with fresh_database_sync(backend, ctx.workdir) as url:
            rows += _backend(ctx, backend, url)
    return rows


def _backend(ctx: Context, backend: str, url: str) -> list[Row]:
    server = procs.platform(
        ctx.workdir, f"b2-{backend}", cpus=ctx.server_cpus, database_url=url,
        tracker_enabled="false",
    )  # fmt: skip
    with procs.running(server):
        token = procs.login(server.url)
        auth = {"Authorization": f"Bearer {token}"}
        me = httpx.get(server.url + "/api/auth/me", headers=auth, timeout=30).json()
        seed(url, str(me["id"]))
        peer = procs.peer(ctx.workdir, f"b2-peer-{backend}", "list", url, cpus=ctx.server_cpus)
        with procs.running(peer):
            ours_page = httpx.get(server.url + "/api/videos?limit=50", headers=auth).json()
            peer_page = httpx.get(f"{peer.url}/list?user_id={me['id']}&limit=50").json()
            if [v["id"] for v in ours_page["videos"]] != [v["id"] for v in peer_page["videos"]]:
                raise AssertionError("the peer's query does not return the same page")

            def measure(target: str, headers: dict[str, str] | None = None) -> float:
                result = wrk.run(target, seconds=ctx.seconds, connections=16,
                                 cpus=ctx.load_cpus, headers=headers)  # fmt: skip
                return result.requests_per_second

            ours0 = f"{server.url}/api/videos?limit=50&offset=0"
            ours900 = f"{server.url}/api/videos?limit=50&offset=900"
            peer0 = f"{peer.url}/list?user_id={me['id']}&limit=50&offset=0"
            measure(ours0, auth), measure(peer0)  # warm-up
            a, b = alternate(ctx.rounds, lambda: measure(ours0, auth), lambda: measure(peer0))
            deep, shallow = alternate(
                ctx.rounds, lambda: measure(ours900, auth), lambda: measure(ours0, auth)
            )
    label = "SQLite" if backend == "sqlite" else "PostgreSQL"
    return [
        compare("B2", f"GET /api/videos?limit=50, 100k rows, {label}", "req/s", a, b,
                op=">=", limit=0.6, peer_name=f"bare Starlette + raw driver ({label})"),
        compare("B2", f"offset 900 vs offset 0 ({label}); ratio of time per request", "req/s",
                deep, shallow, op="<=", limit=1.2, peer_name="ours at offset 0",
                ratio_values=[s / d for d, s in zip(deep, shallow, strict=True)]),
    ]  # fmt: skip
