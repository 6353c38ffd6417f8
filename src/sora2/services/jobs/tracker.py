"""The tracker: a reconciler over the videos table that moves every active video forward.

Each tick it leases the rows that are due and runs two kinds of work (ADR 11). Heavy steps
(submitting a video, downloading a finished one) run one step per row, at most
`concurrency` at once. Status reads are cheap: every submitted row that is due is leased in one
statement (with those due within a poll interval riding along) and handled as one sweep, which
reads them with a few list requests and writes them back in one batch. It sleeps until the next
tick, the sweep's next read, or a poke by a new video. Killing it at any instant loses nothing:
a row whose lease runs out simply falls due again. Stopping it (SIGTERM) claims nothing more,
lets the steps and the sweep in flight finish for a grace period, cancels the rest and hands
their leases back, so the next process retakes them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from sora2.domain import Video
from sora2.errors import ServiceUnavailable
from sora2.ports import Clock, JobQueue, UpstreamJob
from sora2.services.jobs.finish import Finisher
from sora2.services.jobs.submit import Submitter
from sora2.services.jobs.sweep import StatusSweep
from sora2.services.jobs.timing import Timing
from sora2.services.jobs.writer import JobWriter

log = logging.getLogger(__name__)

# Rows one sweep leases at most (a few list pages; the rest wait for the next sweep).
SWEEP_LIMIT = 500


class Tracker:
    def __init__(
        self,
        *,
        queue: JobQueue,
        submitter: Submitter,
        sweep: StatusSweep,
        finisher: Finisher,
        writer: JobWriter,
        timing: Timing,
        clock: Clock,
        concurrency: int,
        tick: float,
    ) -> None:
        self._queue = queue
        self._submitter = submitter
        self._sweeper = sweep
        self._finisher = finisher
        self._writer = writer
        self._timing = timing
        self._clock = clock
        self._concurrency = concurrency
        self._tick = tick
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._sweep: asyncio.Task[None] | None = None
        # When the last sweep's earliest row falls due again (the loop wakes for it).
        self._sweep_due: float | None = None
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
                if self._sweep is None:
                    await self._start_sweep()
            except Exception:
                # The loop is a supervisor: an unexpected failure is logged and retried next tick.
                log.exception("tracker: claiming due videos failed")
            timeout = self._tick
            if self._sweep_due is not None:
                left = self._sweep_due - self._clock.now()
                if left > 0:
                    timeout = min(timeout, left)
                else:  # the claim just above has looked for those rows
                    self._sweep_due = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            self._wake.clear()

    async def _claim(self) -> list[Video]:
        """Lease the due rows that need a heavy step (submit), as many as there are free slots."""
        free = self._concurrency - len(self._inflight)
        if free <= 0:
            return []
        claimed = await self._lease(limit=free, submitted=False)
        for video in claimed:
            self._spawn(self._step(video), name=f"sora2-step-{video.id}")
        return claimed

    async def _start_sweep(self) -> None:
        """Lease every due submitted row, and those due within a poll interval (they ride along:
        the list pages read anyway may show them), and read them all in one sweep."""
        claimed = await self._lease(limit=SWEEP_LIMIT, submitted=True)
        if not claimed:
            return
        if len(claimed) < SWEEP_LIMIT:
            claimed += await self._lease(
                limit=SWEEP_LIMIT - len(claimed),
                submitted=True,
                due_by=self._clock.now() + self._timing.poll_interval,
            )
        self._sweep = asyncio.create_task(self._run_sweep(claimed), name="sora2-sweep")

    async def _lease(
        self, *, limit: int, submitted: bool, due_by: float | None = None
    ) -> list[Video]:
        try:
            return list(
                await self._queue.claim_due(
                    owner=self.owner,
                    now=self._clock.now(),
                    lease_seconds=self._timing.lease_seconds,
                    limit=limit,
                    submitted=submitted,
                    due_by=due_by,
                )
            )
        except ServiceUnavailable as exc:
            log.warning("tracker: database busy (%s); trying again next tick", exc)
            return []

    async def _run_sweep(self, claimed: list[Video]) -> None:
        try:
            swept = await self._sweeper.run(claimed, concurrency=self._concurrency)
            completed = swept.completed
            self._sweep_due = swept.next_due
            # The finished ones are downloaded within the bound on heavy steps; the others go
            # back, due at once, and are read again by the next sweep.
            free = 0 if self.stopping else max(0, self._concurrency - len(self._inflight))
            for video, job in completed[:free]:
                self._spawn(self._finish(video, job), name=f"sora2-finish-{video.id}")
            if completed[free:]:
                await self._writer.hand_back(
                    [video for video, _job in completed[free:]], now=self._clock.now()
                )
        except asyncio.CancelledError:
            raise
        except Exception:
            # As for a crashed step: the rows' leases run out and they are read again.
            log.exception("tracker: a sweep of %d video(s) crashed", len(claimed))
        finally:
            self._sweep = None
        self._wake.set()

    def _spawn(self, work: Coroutine[Any, Any, None], *, name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._inflight.add(task)
        task.add_done_callback(self._step_done)

    def _step_done(self, task: asyncio.Task[None]) -> None:
        full = len(self._inflight) >= self._concurrency
        self._inflight.discard(task)
        if full:  # a slot just came free: look for waiting work now
            self._wake.set()

    async def _step(self, video: Video) -> None:
        try:
            await self._submitter.submit(video)
        except asyncio.CancelledError:
            raise
        except Exception:
            # A bug or an unexpected failure in one step must not stop the others; the row's
            # lease runs out and it is tried again.
            log.exception("tracker: step for video %s crashed", video.id)

    async def _finish(self, video: Video, job: UpstreamJob) -> None:
        try:
            await self._finisher.finish(video, job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("tracker: finishing video %s crashed", video.id)

    @property
    def owner(self) -> str:
        """The lease owner this process's tracker (and its inline submits) write as."""
        return self._writer.owner

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
            released = await self._queue.release_leases(owners=[self.owner])
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
        running = set(self._inflight)
        if self._sweep is not None:
            running.add(self._sweep)
        if running:
            _done, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                log.info("tracker: %d step(s) cut short by the shutdown", len(pending))
                await asyncio.wait(pending)
