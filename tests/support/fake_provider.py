"""`FakeProvider`: a remote video provider (the OpenAI Videos API's behaviour) in memory.

The provider is the one collaborator outside the machine, so unit tests stand it in:

    provider = FakeProvider(clock=clock)
    job = await provider.create(prompt=..., ...)   # what the Submitter does
    provider.progress(job.id, 40)                  # the test moves the job upstream
    provider.complete(job.id)
    provider.fail_next("create", ProviderRateLimited("slow down", retry_after=30))
    provider.lose_next_answer("create")            # made upstream, but the call raises
    provider.calls_to("list_recent")               # how many requests of one kind were made

Jobs are listed newest first (`list_recent(limit, after)` pages like `GET /v1/videos`); an
unknown job answers 404 (`ProviderRejected(status=404)`), as the real API does. The idempotency
key is recorded but not honoured: a create sent twice makes two jobs, so a test sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sora2.domain import Asset, VideoStatus
from sora2.errors import ProviderRejected, ProviderUnavailable
from sora2.ports import Clock, ReferenceImage, UpstreamJob
from tests.support.fakes import FakeClock

T = TypeVar("T")

OPERATIONS = frozenset({"create", "remix", "retrieve", "list_recent", "delete", "download"})

# What a finished job serves by default: bytes per variant (the platform stores them as given,
# so they need not be real media while every variant is served).
DEFAULT_FILES: dict[Asset, bytes] = {
    Asset.VIDEO: b"\x00\x00\x00\x18ftypmp42 fake video bytes",
    Asset.THUMBNAIL: b"RIFF fake webp thumbnail",
    Asset.SPRITESHEET: b"\xff\xd8\xff fake jpeg spritesheet",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    operation: str
    args: dict[str, Any]


class FakeProvider:
    """`VideoProvider` in memory; the test moves its jobs and queues its failures."""

    def __init__(
        self,
        *,
        name: str = "openai",
        clock: Clock | None = None,
        unlisted: bool = False,
        files: dict[Asset, bytes] | None = None,
        chunk_size: int = 8,
    ) -> None:
        self.name = name
        self.clock: Clock = FakeClock() if clock is None else clock
        # A provider that cannot list (Google Veo): `list_recent` answers nothing.
        self.unlisted = unlisted
        self.files = dict(DEFAULT_FILES if files is None else files)
        self.chunk_size = chunk_size
        self.jobs: dict[str, UpstreamJob] = {}  # in creation order
        self.calls: list[Call] = []
        # Called inside a download, before its bytes flow (a test deletes a video meanwhile).
        self.on_download: Callable[[str, Asset], Awaitable[None]] | None = None
        self.closed = False
        self._errors: dict[str, list[Exception]] = {op: [] for op in OPERATIONS}
        self._lost: dict[str, int] = dict.fromkeys(OPERATIONS, 0)
        self._ids = itertools.count(1)
        self._holds: dict[str, asyncio.Event] = {}

    # ------------------------------------------------------------------ the test's levers

    def fail_next(self, operation: str, *errors: Exception) -> None:
        """The next calls of `operation` raise these errors, one per call, before doing anything."""
        self._errors[_operation(operation)].extend(errors)

    def lose_next_answer(self, operation: str, times: int = 1) -> None:
        """The next call(s) of `operation` do their work, then raise `ProviderUnavailable`, as
        a connection cut after the request arrived."""
        self._lost[_operation(operation)] += times

    def hold(self, operation: str) -> asyncio.Event:
        """Calls of `operation` wait (after being recorded) until the returned event is set: a
        request in flight, for a test to act meanwhile."""
        gate = self._holds[_operation(operation)] = asyncio.Event()
        return gate

    def progress(self, upstream_id: str, progress: int) -> UpstreamJob:
        return self._set(upstream_id, status=VideoStatus.IN_PROGRESS, progress=progress)

    def complete(self, upstream_id: str) -> UpstreamJob:
        return self._set(
            upstream_id,
            status=VideoStatus.COMPLETED,
            progress=100,
            completed_at=self.clock.now(),
        )

    def fail(self, upstream_id: str, message: str) -> UpstreamJob:
        return self._set(upstream_id, status=VideoStatus.FAILED, error_message=message)

    def forget(self, upstream_id: str) -> None:
        """The provider loses the job (expired, deleted elsewhere): it answers 404 from now on."""
        del self.jobs[upstream_id]

    def calls_to(self, operation: str) -> list[dict[str, Any]]:
        """The arguments of every call of one operation, in order."""
        op = _operation(operation)
        return [call.args for call in self.calls if call.operation == op]

    # ------------------------------------------------------------------ VideoProvider

    async def create(
        self,
        *,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        input_reference: ReferenceImage | None,
        idempotency_key: str,
    ) -> UpstreamJob:
        await self._begin(
            "create",
            prompt=prompt,
            model=model,
            size=size,
            seconds=seconds,
            input_reference=input_reference,
            idempotency_key=idempotency_key,
        )
        job = self._new(prompt=prompt, model=model, size=size, seconds=str(seconds))
        return self._answer("create", job)

    async def remix(self, upstream_id: str, *, prompt: str, idempotency_key: str) -> UpstreamJob:
        await self._begin(
            "remix", upstream_id=upstream_id, prompt=prompt, idempotency_key=idempotency_key
        )
        source = self._job(upstream_id)
        job = self._new(
            prompt=prompt,
            model=source.model,
            size=source.size,
            seconds=source.seconds,
            remixed_from=upstream_id,
        )
        return self._answer("remix", job)

    async def retrieve(self, upstream_id: str) -> UpstreamJob:
        await self._begin("retrieve", upstream_id=upstream_id)
        return self._answer("retrieve", self._job(upstream_id))

    async def list_recent(
        self, *, limit: int = 100, after: str | None = None
    ) -> Sequence[UpstreamJob]:
        await self._begin("list_recent", limit=limit, after=after)
        if self.unlisted:
            return self._answer("list_recent", [])
        newest_first = list(reversed(self.jobs.values()))
        if after is not None:
            ids = [job.id for job in newest_first]
            newest_first = newest_first[ids.index(after) + 1 :] if after in ids else []
        return self._answer("list_recent", newest_first[:limit])

    async def delete(self, upstream_id: str) -> None:
        await self._begin("delete", upstream_id=upstream_id)
        self.jobs.pop(upstream_id, None)
        self._answer("delete", None)

    @contextlib.asynccontextmanager
    async def download(
        self, upstream_id: str, variant: Asset
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        await self._begin("download", upstream_id=upstream_id, variant=variant)
        job = self._job(upstream_id)
        if job.status is not VideoStatus.COMPLETED:
            raise ProviderRejected(f"video {upstream_id} is not completed", status=409)
        data = self.files.get(variant)
        if data is None:
            raise ProviderRejected(f"no {variant.value} for video {upstream_id}", status=404)
        if self.on_download is not None:
            await self.on_download(upstream_id, variant)
        self._answer("download", None)
        yield self._chunks(data)

    async def aclose(self) -> None:
        self.closed = True

    # ------------------------------------------------------------------ internals

    async def _begin(self, operation: str, **args: Any) -> None:
        self.calls.append(Call(operation, args))
        gate = self._holds.get(operation)
        if gate is not None:
            await gate.wait()
        queued = self._errors[operation]
        if queued:
            raise queued.pop(0)

    def _answer(self, operation: str, answer: T) -> T:
        if self._lost[operation]:
            self._lost[operation] -= 1
            raise ProviderUnavailable(f"{operation}: the connection was cut before the answer")
        return answer

    def _new(self, **fields: Any) -> UpstreamJob:
        job = UpstreamJob(
            id=f"video_{next(self._ids):04d}",
            status=VideoStatus.QUEUED,
            progress=0,
            created_at=self.clock.now(),
            **fields,
        )
        self.jobs[job.id] = job
        return job

    def _job(self, upstream_id: str) -> UpstreamJob:
        job = self.jobs.get(upstream_id)
        if job is None:
            raise ProviderRejected(f"video {upstream_id} not found", status=404)
        return job

    def _set(self, upstream_id: str, **fields: Any) -> UpstreamJob:
        job = dataclasses.replace(self._job(upstream_id), **fields)
        self.jobs[upstream_id] = job
        return job

    async def _chunks(self, data: bytes) -> AsyncIterator[bytes]:
        for offset in range(0, len(data), self.chunk_size):
            yield data[offset : offset + self.chunk_size]


def _operation(name: str) -> str:
    if name not in OPERATIONS:
        raise ValueError(f"unknown provider operation {name!r}; one of {sorted(OPERATIONS)}")
    return name


if TYPE_CHECKING:
    from sora2.ports import VideoProvider

    def _implements_the_port(provider: FakeProvider) -> VideoProvider:
        # mypy proves here that the fake matches the Protocol in sora2.ports.
        return provider
