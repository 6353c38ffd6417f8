"""The simulator's durable state: jobs, idempotency keys and counters in SQLite (WAL).

Every statement runs on one dedicated thread, which keeps the event loop free and makes each
method a single atomic step (no two requests interleave inside "look up the key, then insert").
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from sora2.providers.simulator.jobs import Job, state_at

T = TypeVar("T")
Counter = Literal[
    "creates",
    "remixes",
    "requests",
    "webhooks_sent",
    # Requests per operation (answered or not: a fault counts too).
    "create_requests",
    "retrieve_requests",
    "list_requests",
    "delete_requests",
    "remix_requests",
    "content_requests",
]
COUNTERS = (
    "creates",
    "remixes",
    "requests",
    "webhooks_sent",
    "peak_active",
    "create_requests",
    "retrieve_requests",
    "list_requests",
    "delete_requests",
    "remix_requests",
    "content_requests",
)
# How far back a job may have been created and still be running (for `peak_active`).
_ACTIVE_WINDOW_SECONDS = 6 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    model TEXT NOT NULL,
    size TEXT NOT NULL,
    seconds INTEGER NOT NULL,
    prompt TEXT NOT NULL,
    job_seconds REAL NOT NULL,
    remixed_from TEXT,
    rendered_at REAL,
    render_error TEXT
);
CREATE TABLE IF NOT EXISTS job_references (
    job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    media_type TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""
_JOB_COLUMNS = (
    "id, created_at, model, size, seconds, prompt, job_seconds, remixed_from, "
    "EXISTS(SELECT 1 FROM job_references r WHERE r.job_id = jobs.id), rendered_at, render_error"
)


@dataclass(frozen=True, slots=True)
class Reference:
    data: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Created:
    job: Job
    # False when an Idempotency-Key replay returned an earlier job (or None if it was deleted).
    is_new: bool


class JobStore:
    """Open with `await JobStore.open(path)`; close with `await store.aclose()`."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulator-db")
        self._db: sqlite3.Connection | None = None

    @classmethod
    async def open(cls, path: Path) -> JobStore:
        store = cls(path)
        await asyncio.get_running_loop().run_in_executor(store._executor, store._connect)
        return store

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)

    # ------------------------------------------------------------------ jobs

    async def create(
        self,
        job: Job,
        *,
        idempotency_key: str | None,
        reference: Reference | None,
        counter: Counter,
    ) -> Created | None:
        """Insert `job`, or return the job an earlier request with the same key created.

        Returns None when the key's job has since been deleted."""

        def create(db: sqlite3.Connection) -> Created | None:
            if idempotency_key is not None:
                row = db.execute(
                    "SELECT job_id FROM idempotency_keys WHERE key = ?", (idempotency_key,)
                ).fetchone()
                if row is not None:
                    earlier = _get(db, row[0])
                    return None if earlier is None else Created(earlier, is_new=False)
            with db:
                db.execute(
                    "INSERT INTO jobs (id, created_at, model, size, seconds, prompt, job_seconds,"
                    " remixed_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        job.id,
                        job.created_at,
                        job.model,
                        job.size,
                        job.seconds,
                        job.prompt,
                        job.job_seconds,
                        job.remixed_from,
                    ),
                )
                if reference is not None:
                    db.execute(
                        "INSERT INTO job_references (job_id, media_type, data) VALUES (?, ?, ?)",
                        (job.id, reference.media_type, reference.data),
                    )
                if idempotency_key is not None:
                    db.execute(
                        "INSERT INTO idempotency_keys (key, job_id, created_at) VALUES (?, ?, ?)",
                        (idempotency_key, job.id, time.time()),
                    )
                _bump(db, counter)
                _raise_peak(db, time.time())
            stored = _get(db, job.id)
            assert stored is not None
            return Created(stored, is_new=True)

        return await self._run(create)

    async def lookup_key(self, key: str) -> tuple[bool, Job | None]:
        """(whether the Idempotency-Key was used before, the job it created if it still exists)."""

        def lookup(db: sqlite3.Connection) -> tuple[bool, Job | None]:
            row = db.execute("SELECT job_id FROM idempotency_keys WHERE key = ?", (key,)).fetchone()
            return (False, None) if row is None else (True, _get(db, row[0]))

        return await self._run(lookup)

    async def get(self, job_id: str) -> Job | None:
        return await self._run(lambda db: _get(db, job_id))

    async def page(
        self, *, after: str | None, limit: int, descending: bool
    ) -> tuple[list[Job], bool]:
        """Up to `limit` jobs after the cursor (a job id), and whether more follow."""

        def page(db: sqlite3.Connection) -> tuple[list[Job], bool]:
            # An unknown cursor compares as NULL: an empty page, as OpenAI answers for a stale id.
            rows = db.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs"  # noqa: S608 - a constant column list
                " WHERE :after IS NULL OR CASE WHEN :desc"
                "  THEN seq < (SELECT seq FROM jobs WHERE id = :after)"
                "  ELSE seq > (SELECT seq FROM jobs WHERE id = :after) END"
                " ORDER BY CASE WHEN :desc THEN -seq ELSE seq END LIMIT :limit",
                {"after": after, "desc": descending, "limit": limit + 1},
            ).fetchall()
            jobs = [_job(row) for row in rows]
            return jobs[:limit], len(jobs) > limit

        return await self._run(page)

    async def pending_renders(self) -> Sequence[Job]:
        def pending(db: sqlite3.Connection) -> list[Job]:
            rows = db.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE rendered_at IS NULL"  # noqa: S608
                " AND render_error IS NULL ORDER BY seq"
            ).fetchall()
            return [job for job in map(_job, rows) if job.needs_render]

        return await self._run(pending)

    async def reference(self, job_id: str) -> Reference | None:
        def reference(db: sqlite3.Connection) -> Reference | None:
            row = db.execute(
                "SELECT data, media_type FROM job_references WHERE job_id = ?", (job_id,)
            ).fetchone()
            return None if row is None else Reference(data=row[0], media_type=row[1])

        return await self._run(reference)

    async def finish_render(self, job_id: str, *, error: str | None = None) -> bool:
        """Record the render's outcome; False when the job was deleted meanwhile."""

        def finish(db: sqlite3.Connection) -> bool:
            with db:
                if error is None:
                    cursor = db.execute(
                        "UPDATE jobs SET rendered_at = ? WHERE id = ?", (time.time(), job_id)
                    )
                else:
                    cursor = db.execute(
                        "UPDATE jobs SET render_error = ? WHERE id = ?", (error, job_id)
                    )
                return cursor.rowcount == 1

        return await self._run(finish)

    async def delete(self, job_id: str) -> bool:
        def delete(db: sqlite3.Connection) -> bool:
            with db:
                return db.execute("DELETE FROM jobs WHERE id = ?", (job_id,)).rowcount == 1

        return await self._run(delete)

    # ------------------------------------------------------------------ counters

    async def bump(self, counter: Counter) -> None:
        def bump(db: sqlite3.Connection) -> None:
            with db:
                _bump(db, counter)

        await self._run(bump)

    async def counters(self) -> dict[str, int]:
        def counters(db: sqlite3.Connection) -> dict[str, int]:
            found = dict(db.execute("SELECT name, value FROM counters").fetchall())
            return {name: int(found.get(name, 0)) for name in COUNTERS}

        return await self._run(counters)

    # ------------------------------------------------------------------ plumbing

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn)

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._db is None:
            raise RuntimeError("the simulator store is closed")
        return fn(self._db)

    def _connect(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self._path, isolation_level="DEFERRED")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=5000")
        db.executescript(_SCHEMA)
        self._db = db

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _get(db: sqlite3.Connection, job_id: str) -> Job | None:
    row = db.execute(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?",  # noqa: S608
        (job_id,),
    ).fetchone()
    return None if row is None else _job(row)


def _bump(db: sqlite3.Connection, counter: Counter) -> None:
    db.execute(
        "INSERT INTO counters (name, value) VALUES (?, 1)"
        " ON CONFLICT(name) DO UPDATE SET value = value + 1",
        (counter,),
    )


def _raise_peak(db: sqlite3.Connection, now: float) -> None:
    """Keep `peak_active`: the most jobs queued or in progress at once (it grows only here)."""
    rows = db.execute(
        f"SELECT {_JOB_COLUMNS} FROM jobs WHERE created_at >= ?",  # noqa: S608
        (now - _ACTIVE_WINDOW_SECONDS,),
    ).fetchall()
    active = sum(state_at(_job(row), now).status in ("queued", "in_progress") for row in rows)
    db.execute(
        "INSERT INTO counters (name, value) VALUES ('peak_active', ?)"
        " ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)",
        (active,),
    )


def _job(row: Any) -> Job:
    # Columns in the order of _JOB_COLUMNS; SQLite hands back plain Python values.
    return Job(
        id=row[0],
        created_at=row[1],
        model=row[2],
        size=row[3],
        seconds=row[4],
        prompt=row[5],
        job_seconds=row[6],
        remixed_from=row[7],
        has_reference=bool(row[8]),
        rendered_at=row[9],
        render_error=row[10],
    )
