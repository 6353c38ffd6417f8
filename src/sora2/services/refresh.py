"""Reading the state of many upstream jobs in few requests.

The tracker polls each active video on its own schedule, but the rows fall due in bunches (one
claim hands out many at once). `JobRefresher.retrieve` lets each step ask for its job as if alone;
the asks that arrive for one provider within a short window are answered together by the
provider's list endpoint (`GET /v1/videos?limit=100` carries a hundred jobs), and only the jobs
the list does not show are retrieved one by one. A provider that cannot list (Veo lists nothing)
or refuses to is simply asked job by job, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sora2.errors import ProviderError, ProviderRejected
from sora2.ports import UpstreamJob, VideoProvider

log = logging.getLogger(__name__)

# How long the first ask of a batch waits for others (the claim's steps start within a tick).
DEFAULT_WINDOW_SECONDS = 0.02
# Fewer asks than this are cheaper one by one than a list page.
MIN_BATCH = 3
# A list page holds at most this many jobs (the OpenAI Videos API's cap).
PAGE_SIZE = 100
# Never read more than this many jobs of an account's history for one batch.
MAX_LISTED = 500


@dataclass(slots=True)
class _Batch:
    asks: dict[str, list[asyncio.Future[UpstreamJob]]] = field(default_factory=dict)


class JobRefresher:
    """Coalesces the status reads of one tracker into list calls, per provider."""

    def __init__(self, *, window: float = DEFAULT_WINDOW_SECONDS) -> None:
        self._window = window
        self._batches: dict[int, _Batch] = {}
        self._cannot_list: set[str] = set()
        self._flushes: set[asyncio.Task[None]] = set()

    async def retrieve(self, provider: VideoProvider, upstream_id: str) -> UpstreamJob:
        """The job's current state upstream; raises what `provider.retrieve` raises."""
        if provider.name in self._cannot_list:
            return await provider.retrieve(upstream_id)
        key = id(provider)
        batch = self._batches.get(key)
        if batch is None:
            batch = self._batches[key] = _Batch()
            loop = asyncio.get_running_loop()
            loop.call_later(self._window, self._flush_soon, key, provider)
        future: asyncio.Future[UpstreamJob] = asyncio.get_running_loop().create_future()
        batch.asks.setdefault(upstream_id, []).append(future)
        return await future

    def _flush_soon(self, key: int, provider: VideoProvider) -> None:
        batch = self._batches.pop(key, None)
        if batch is None:
            return
        task = asyncio.create_task(self._flush(provider, batch), name="sora2-refresh")
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(self, provider: VideoProvider, batch: _Batch) -> None:
        wanted = {upstream_id for upstream_id, futures in batch.asks.items() if _waiting(futures)}
        found: dict[str, UpstreamJob] = {}
        if len(wanted) >= MIN_BATCH:
            found = await self._listed(provider, wanted)
        missing = [upstream_id for upstream_id in wanted if upstream_id not in found]
        for upstream_id, job in found.items():
            _resolve(batch.asks[upstream_id], job)
        await asyncio.gather(*(self._one(provider, upstream_id, batch) for upstream_id in missing))

    async def _listed(self, provider: VideoProvider, wanted: set[str]) -> dict[str, UpstreamJob]:
        limit = min(MAX_LISTED, -(-len(wanted) // PAGE_SIZE) * PAGE_SIZE)
        try:
            jobs: Sequence[UpstreamJob] = await provider.list_recent(limit=limit)
        except ProviderRejected as exc:
            # A gateway without the list route: stop trying it, ask job by job from now on.
            log.info("provider %s cannot list jobs (%s); polling one by one", provider.name, exc)
            self._cannot_list.add(provider.name)
            return {}
        except ProviderError as exc:
            log.debug("listing jobs at %s failed (%s); polling one by one", provider.name, exc)
            return {}
        return {job.id: job for job in jobs if job.id in wanted}

    async def _one(self, provider: VideoProvider, upstream_id: str, batch: _Batch) -> None:
        futures = batch.asks[upstream_id]
        try:
            job = await provider.retrieve(upstream_id)
        except Exception as exc:  # handed to each asker, who decides what it means
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            return
        _resolve(futures, job)

    async def aclose(self) -> None:
        """Finish the batches in flight (their askers are waiting for them)."""
        for key, batch in list(self._batches.items()):
            with contextlib.suppress(KeyError):
                del self._batches[key]
            for futures in batch.asks.values():
                for future in futures:
                    future.cancel()
        if self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)


def _waiting(futures: list[asyncio.Future[UpstreamJob]]) -> bool:
    return any(not future.done() for future in futures)


def _resolve(futures: list[asyncio.Future[UpstreamJob]], job: UpstreamJob) -> None:
    for future in futures:
        if not future.done():
            future.set_result(job)
