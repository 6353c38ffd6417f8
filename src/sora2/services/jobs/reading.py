"""Reading the state of many upstream jobs in few requests.

A sweep (ADR 11) hands `StatusReader.read_many` every submitted video it leased at once: they
are read from the provider's list endpoint (`GET /v1/videos?limit=100` carries a hundred jobs),
page after page with the `after` cursor until every wanted job was seen or a page cap is hit,
and only the due jobs the list did not show are retrieved one by one. A provider that cannot
list (Veo lists nothing) or refuses to is simply asked job by job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sora2.errors import ProviderError, ProviderRejected
from sora2.ports import UpstreamJob, VideoProvider

log = logging.getLogger(__name__)

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


class StatusReader:
    """Reads jobs' states with list calls where the provider can list, per provider."""

    def __init__(self) -> None:
        # Providers that refused a list request: asked job by job from then on.
        self._cannot_list: set[str] = set()

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
