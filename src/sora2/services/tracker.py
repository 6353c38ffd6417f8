"""The tracker: a reconciler over the videos table that moves every active video forward.

Each tick it leases the rows that are due (one statement), runs one `JobRunner` step for each
with bounded concurrency, and sleeps until the next tick or until poked by a new video. Killing
it at any instant loses nothing: a row whose lease runs out simply falls due again. Stopping it
(SIGTERM) claims nothing more, lets the steps in flight finish for a grace period, cancels the
rest and hands their leases back, so the next process retakes them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from sora2.domain import Video
from sora2.errors import ServiceUnavailable
from sora2.ports import VideoRepository
from sora2.services.jobs import JobRunner

log = logging.getLogger(__name__)


class Tracker:
    def __init__(
        self, *, videos: VideoRepository, runner: JobRunner, concurrency: int, tick: float
    ) -> None:
        self._videos = videos
        self._runner = runner
        self._concurrency = concurrency
        self._tick = tick
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._stop_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self.run(), name="sora2-tracker")

    def poke(self) -> None:
        """Look for due work now rather than at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._claim()
            except Exception:
                # The loop is a supervisor: an unexpected failure is logged and retried next tick.
                log.exception("tracker: claiming due videos failed")
            if len(self._inflight) >= self._concurrency:
                await asyncio.wait(
                    set(self._inflight), timeout=self._tick, return_when=asyncio.FIRST_COMPLETED
                )
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._tick)
            self._wake.clear()

    async def _claim(self) -> list[Video]:
        free = self._concurrency - len(self._inflight)
        if free <= 0:
            return []
        runner = self._runner
        try:
            claimed = list(
                await self._videos.claim_due(
                    owner=runner.owner,
                    now=time.time(),
                    lease_seconds=runner.timing.lease_seconds,
                    limit=free,
                )
            )
        except ServiceUnavailable as exc:
            log.warning("tracker: database busy (%s); trying again next tick", exc)
            return []
        for video in claimed:
            task = asyncio.create_task(self._step(video), name=f"sora2-step-{video.id}")
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
        return claimed

    async def _step(self, video: Video) -> None:
        try:
            await self._runner.advance(video)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug or an unexpected failure in one step must not stop the others; the row's
            # lease runs out and it is tried again.
            log.exception("tracker: step for video %s crashed", video.id)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def begin_stop(self, *, grace: float) -> asyncio.Task[None]:
        """Stop claiming now and wind down in the background; `stop()` awaits the same task."""
        self._stopping.set()
        self._wake.set()
        if self._stop_task is None:
            self._stop_task = asyncio.create_task(self._wind_down(grace), name="sora2-tracker-stop")
        return self._stop_task

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop claiming, let steps in flight finish for `grace` seconds, cancel the others, then
        hand back every lease this process still holds.

        Call it once no request of this process can be submitting a video inline any more (the
        app's shutdown runs after the HTTP server has drained its requests)."""
        await asyncio.shield(self.begin_stop(grace=grace))
        try:
            released = await self._videos.release_leases(owners=[self._runner.owner])
        except ServiceUnavailable as exc:
            # The leases then run out on their own; nothing is lost, only delayed.
            log.warning("tracker: could not hand back leases (%s)", exc)
            return
        if released:
            log.info("tracker: %d lease(s) handed back", released)

    async def _wind_down(self, grace: float) -> None:
        if self._loop_task is not None:
            await self._loop_task
            self._loop_task = None
        if self._inflight:
            _done, pending = await asyncio.wait(set(self._inflight), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                log.info("tracker: %d step(s) cut short by the shutdown", len(pending))
                await asyncio.wait(pending)
