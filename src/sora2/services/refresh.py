"""Reading the state of many upstream jobs in few requests.

The tracker's sweep (ADR 11) hands `JobRefresher.read_many` every submitted video it leased at
once: they are read from the provider's list endpoint (`GET /v1/videos?limit=100` carries a
hundred jobs), page after page with the `after` cursor until every wanted job was seen or a page
cap is hit, and only the jobs the list did not show are retrieved one by one. A lone step may
still call `JobRefresher.retrieve`: the asks that arrive for one provider within a short window
are answered together the same way. A provider that cannot list (Veo lists nothing) or refuses
to is simply asked job by job, as before.
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
# A sweep reads at most one page more than its wanted jobs fill (the account's newest jobs may
# be finished ones, or another tenant's), and never more than MAX_LISTED jobs.
SPARE_PAGES = 1


@dataclass(frozen=True, slots=True)
class Reading:
    """What `read_many` learnt: each job's state, or the error retrieving it raised."""

    jobs: dict[str, UpstreamJob]
    errors: dict[str, ProviderError]
    # The jobs the list showed (the others were retrieved, or not read at all).
    listed: frozenset[str]
    # List requests made.
    pages: int


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

    async def read_many(
        self,
        provider: VideoProvider,
        upstream_ids: Sequence[str],
        *,
        retrieve: Sequence[str],
        concurrency: int,
    ) -> Reading:
        """Read these jobs from the provider's list; of those it did not show, retrieve the ones
        in `retrieve` one by one (at most `concurrency` at a time) and leave the others unread."""
        wanted = set(upstream_ids)
        found: dict[str, UpstreamJob] = {}
        pages = 0
        if len(wanted) >= MIN_BATCH and provider.name not in self._cannot_list:
            found, pages = await self._pages(provider, wanted)
        listed = frozenset(found)
        errors: dict[str, ProviderError] = {}
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(upstream_id: str) -> None:
            async with gate:
                try:
                    found[upstream_id] = await provider.retrieve(upstream_id)
                except ProviderError as exc:  # the caller decides what it means for the video
                    errors[upstream_id] = exc

        missing = [
            upstream_id for upstream_id in dict.fromkeys(retrieve) if upstream_id not in found
        ]
        await asyncio.gather(*(one(upstream_id) for upstream_id in missing))
        return Reading(jobs=found, errors=errors, listed=listed, pages=pages)

    async def _pages(
        self, provider: VideoProvider, wanted: set[str]
    ) -> tuple[dict[str, UpstreamJob], int]:
        cap = min(MAX_LISTED // PAGE_SIZE, -(-len(wanted) // PAGE_SIZE) + SPARE_PAGES)
        found: dict[str, UpstreamJob] = {}
        after: str | None = None
        pages = 0
        while pages < cap and len(found) < len(wanted):
            try:
                page = await provider.list_recent(limit=PAGE_SIZE, after=after)
            except ProviderRejected as exc:
                log.info(
                    "provider %s cannot list jobs (%s); polling one by one", provider.name, exc
                )
                self._cannot_list.add(provider.name)
                break
            except ProviderError as exc:
                log.debug("listing jobs at %s failed (%s); polling one by one", provider.name, exc)
                break
            pages += 1
            found.update((job.id, job) for job in page if job.id in wanted)
            if len(page) < PAGE_SIZE:
                break
            after = page[-1].id
        return found, pages

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
