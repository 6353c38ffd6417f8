"""Runs renders in a bounded thread pool and records their outcome in the store.

Threads suffice: libx264, the AAC encoder and the big numpy operations release the GIL, so the
event loop stays responsive while a render runs. Each render polls a stop flag once per frame,
which is how a delete abandons it and how shutdown leaves it to be resumed on the next start.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from sora2.providers.simulator.jobs import Job
from sora2.providers.simulator.spec import RenderCancelled, RenderSpec, seed_for
from sora2.providers.simulator.store import JobStore

log = logging.getLogger(__name__)


class RenderPool:
    def __init__(self, *, store: JobStore, media_root: Path, workers: int) -> None:
        self._store = store
        self._media_root = media_root
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, workers), thread_name_prefix="simulator-render"
        )
        self._stops: dict[str, threading.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def media_dir(self, job_id: str) -> Path:
        return self._media_root / job_id

    def submit(self, job: Job) -> None:
        """Queue the render of `job` (no-op if it is already queued or running)."""
        if self._closing or job.id in self._stops:
            return
        self._stops[job.id] = threading.Event()
        task = asyncio.get_running_loop().create_task(self._render(job), name=f"render {job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def abandon(self, job_id: str) -> None:
        """Stop rendering a deleted job and remove whatever it left on disk."""
        stop = self._stops.get(job_id)
        if stop is not None:
            stop.set()  # the render's own task removes the folder once the thread lets go
            return
        await asyncio.to_thread(shutil.rmtree, self.media_dir(job_id), ignore_errors=True)

    async def aclose(self) -> None:
        self._closing = True
        for stop in self._stops.values():
            stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.to_thread(self._executor.shutdown, wait=True)

    async def _render(self, job: Job) -> None:
        stop = self._stops[job.id]
        try:
            reference = await self._store.reference(job.id) if job.has_reference else None
            spec = RenderSpec(
                prompt=job.prompt,
                width=job.width,
                height=job.height,
                seconds=job.seconds,
                seed=seed_for(job.prompt, job.remixed_from or ""),
                label=_label(job),
                reference=None if reference is None else reference.data,
            )
            work = partial(_render, spec, self.media_dir(job.id), should_stop=stop.is_set)
            try:
                await asyncio.get_running_loop().run_in_executor(self._executor, work)
            except RenderCancelled:
                pass
            except Exception as exc:
                if not stop.is_set():
                    # A real failure becomes a failed job that the client can see, not a hang.
                    log.exception("simulator: rendering %s failed", job.id)
                    await self._finish(job.id, error=f"{type(exc).__name__}: {exc}")
                    return
            else:
                await self._finish(job.id, error=None)
                return
            # Stopped: by a delete (the row is gone: clean up), or by shutdown (resume later).
            if await self._store.get(job.id) is None:
                await asyncio.to_thread(shutil.rmtree, self.media_dir(job.id), ignore_errors=True)
        finally:
            self._stops.pop(job.id, None)

    async def _finish(self, job_id: str, *, error: str | None) -> None:
        if not await self._store.finish_render(job_id, error=error):
            await asyncio.to_thread(shutil.rmtree, self.media_dir(job_id), ignore_errors=True)


def _render(spec: RenderSpec, out_dir: Path, *, should_stop: Callable[[], bool]) -> None:
    # PyAV, NumPy and Pillow (about 35 MiB) are loaded by the first render, here in the worker
    # thread: a server that never renders never holds them, and the loop never runs the import.
    from sora2.providers.simulator.renderer import render

    render(spec, out_dir, should_stop=should_stop)


def _label(job: Job) -> str:
    parts = [job.model, job.size, f"{job.seconds}s", "sora2 simulator"]
    if job.remixed_from:
        parts.insert(0, f"remix of {job.remixed_from}")
    return "  ·  ".join(parts)
