"""The ports: what services need from the outside world, as Protocols.

Concrete adapters live in `providers/`, `storage/` and `db/`; only `container.py` picks them.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sora2.domain import Asset, AuditAction, AuditEntry, User, Video, VideoStatus

if TYPE_CHECKING:
    from sora2.events import Event


# --------------------------------------------------------------------------- providers


@dataclass(frozen=True, slots=True)
class ReferenceImage:
    """A first-frame image, already checked and re-encoded to the requested size."""

    data: bytes
    media_type: str  # image/png, image/jpeg or image/webp
    filename: str


@dataclass(frozen=True, slots=True)
class UpstreamJob:
    """A provider's view of one job, with its status already mapped to ours."""

    id: str
    status: VideoStatus
    progress: int
    created_at: float | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    error_message: str | None = None
    prompt: str | None = None
    model: str | None = None
    size: str | None = None
    seconds: str | None = None
    remixed_from: str | None = None
    # The provider's hint of when to ask again (`openai-poll-after-ms`), in seconds.
    poll_after: float | None = None


class VideoProvider(Protocol):
    """A source of videos. Raises only `sora2.errors.Provider*` errors."""

    name: str

    async def create(
        self,
        *,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        input_reference: ReferenceImage | None,
        idempotency_key: str,
    ) -> UpstreamJob: ...

    async def remix(
        self, upstream_id: str, *, prompt: str, idempotency_key: str
    ) -> UpstreamJob: ...

    async def retrieve(self, upstream_id: str) -> UpstreamJob: ...

    async def list_recent(
        self, *, limit: int = 100, after: str | None = None
    ) -> Sequence[UpstreamJob]:
        """The provider's newest jobs first (only those older than the job `after`, when given:
        the cursor of the next page); reconciles a create of unknown outcome and reads many
        jobs' states at once. A provider that cannot list returns nothing."""
        ...

    async def delete(self, upstream_id: str) -> None:
        """Delete upstream; a job the provider no longer knows counts as deleted."""
        ...

    def download(
        self, upstream_id: str, variant: Asset
    ) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Stream one asset: `async with provider.download(id, v) as chunks: async for c in ...`."""
        ...

    async def aclose(self) -> None: ...


# --------------------------------------------------------------------------- storage


@dataclass(frozen=True, slots=True)
class BlobInfo:
    key: str
    size: int
    modified_at: float
    etag: str


class BlobStore(Protocol):
    """Where media bytes live. Keys are chosen by the server (UUID based), never by clients."""

    async def write(self, key: str, chunks: AsyncIterable[bytes]) -> BlobInfo:
        """Store a stream atomically: readers see the old blob, or nothing, until it is complete."""
        ...

    async def write_bytes(self, key: str, data: bytes) -> BlobInfo: ...

    async def stat(self, key: str) -> BlobInfo | None: ...

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = 1 << 20
    ) -> AsyncIterator[bytes]:
        """Yield bytes [start, end) (end exclusive, None = to the end of the blob)."""
        ...

    async def delete(self, key: str) -> None:
        """Delete one blob; a missing blob is not an error."""
        ...

    async def delete_prefix(self, prefix: str) -> None:
        """Delete every blob whose key starts with `prefix` (a folder, ending with '/')."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file behind a key, when the store is a local disk (for sendfile-like serving)."""
        ...

    async def discard_partial(self, prefix: str) -> int:
        """Remove what unfinished writes under `prefix` (a folder, ending with '/') left behind
        when their process died; only the holder of that folder's video may call it."""
        ...


# --------------------------------------------------------------------------- persistence


@dataclass(slots=True)
class VideoChanges:
    """A partial update of a video row. Unset fields (None) are left alone, except where noted."""

    status: VideoStatus | None = None
    progress: int | None = None
    upstream_id: str | None = None
    completed_at: float | None = None
    expires_at: float | None = None
    error_message: str | None = None
    assets: dict[Asset, str] | None = None
    next_due_at: float | None = None
    attempts: int | None = None
    submit_started_at: float | None = None
    cost: float | None = None
    # Forget `submit_started_at`: the provider refused the create (429), so nothing was made
    # upstream and the video goes back to waiting for a slot.
    clear_submit: bool = False
    release_lease: bool = False


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert; raises `Conflict` when the username is taken."""
        ...

    async def get(self, user_id: str) -> User | None: ...

    async def get_by_username(self, username: str) -> User | None: ...

    async def list(self) -> Sequence[User]: ...

    async def count(self) -> int: ...

    async def set_password(self, user_id: str, password_hash: str) -> User | None:
        """Replace the hash and bump `token_version`, revoking every token issued before."""
        ...

    async def bump_token_version(self, user_id: str) -> User | None:
        """Bump `token_version` (logging out everywhere); None when there is no such user."""
        ...

    async def delete(self, user_id: str) -> bool: ...


class AuditRepository(Protocol):
    async def add(self, entry: AuditEntry) -> AuditEntry:
        """Append an entry; returns it with its id."""
        ...

    async def page(
        self,
        *,
        limit: int,
        offset: int,
        action: AuditAction | None = None,
        user: str | None = None,
    ) -> tuple[Sequence[AuditEntry], int]:
        """Newest first, and the total matching; `user` matches the actor's id or name."""
        ...

    async def recent_failures(
        self, *, since: float, limit: int, username: str | None = None, client: str | None = None
    ) -> Sequence[float]:
        """When the counted login failures for a lower-cased username (after its last
        successful login), or from a client address, happened since `since`; newest first."""
        ...


class VideoStore(Protocol):
    """The stored videos: rows written under the status machine and, for the tracker, a lease."""

    async def add(self, video: Video) -> None: ...

    async def get(self, video_id: str, *, user_id: str | None = None) -> Video | None:
        """The video, or None when missing or (with `user_id`) owned by somebody else."""
        ...

    async def list_for_user(
        self,
        user_id: str,
        *,
        limit: int,
        offset: int,
        status: VideoStatus | None = None,
        prompt_contains: str | None = None,
        remixed_from: str | None = None,
    ) -> Sequence[Video]:
        """Newest first; optionally only one status, prompts containing a text (case-insensitive),
        or the remixes of one video."""
        ...

    async def delete(self, video_id: str) -> Video | None:
        """Remove the row; return what it held, or None when it was already gone."""
        ...

    async def apply(
        self, video_id: str, changes: VideoChanges, *, owner: str | None = None
    ) -> Video | None:
        """Write `changes` only if the status move is allowed and (with `owner`) the lease is held.

        Returns the updated video, or None when nothing was written (gone, lease lost, or the
        write would have moved the status backwards)."""
        ...

    async def apply_many(
        self, changes: Sequence[tuple[str, VideoChanges]], *, owner: str
    ) -> Sequence[Video]:
        """`apply` for many videos (id, changes) in one transaction, each under the same
        conditions (lease held by `owner`, status move allowed); the videos that were written."""
        ...

    async def upstream_ids_in_use(self, upstream_ids: Sequence[str]) -> set[str]:
        """Which of these provider ids some video row already records."""
        ...

    async def find_by_upstream_id(
        self, upstream_id: str, *, providers: Sequence[str]
    ) -> Video | None:
        """The video one of these providers knows as `upstream_id`."""
        ...


class JobQueue(Protocol):
    """The active videos as a queue of work: leases of the due ones, upstream slots, counts."""

    async def claim_due(
        self,
        *,
        owner: str,
        now: float,
        lease_seconds: float,
        limit: int,
        submitted: bool | None = None,
        due_by: float | None = None,
    ) -> Sequence[Video]:
        """Atomically lease up to `limit` active videos that are due (by `due_by`, default
        `now`) and not leased by another; with `submitted`, only those that have (True) or have
        not (False) an upstream id."""
        ...

    async def release_leases(self, *, owners: Sequence[str]) -> int:
        """Clear the leases these owners hold (a stopping or a dead process); how many rows."""
        ...

    async def admit(
        self,
        video_id: str,
        *,
        owner: str,
        providers: Sequence[str],
        limit: int | None,
        now: float,
    ) -> Video | None:
        """Take an upstream slot for a queued, never-submitted video this owner leases.

        Sets `submit_started_at = now` only if fewer than `limit` videos of these provider
        names are active and submitted, and (with a limit) no older video of theirs waits;
        atomic across processes. None when the video must wait (or the lease was lost)."""
        ...

    async def count_active(self, user_id: str) -> int:
        """How many of a user's videos are queued or in progress."""
        ...


class SpendLedger(Protocol):
    """What the videos cost: totals for limits, usage pages and the admin."""

    async def spend(self, *, user_id: str | None, since: float | None = None) -> tuple[float, int]:
        """(USD, count) of the videos that did not fail, created since `since` (all when None),
        of one user (everyone when None): the final cost, else the estimate while unfinished."""
        ...

    async def spend_by_video(self, user_id: str, *, since: float) -> Sequence[tuple[float, float]]:
        """(created_at, USD) of a user's videos that did not fail, created since `since`."""
        ...


class WebhookDeliveryRepository(Protocol):
    async def remember(
        self, delivery_id: str, *, provider: str, now: float, forget_before: float
    ) -> bool:
        """Record a delivery; False when it was recorded before (a duplicate or a replay).

        Deliveries received before `forget_before` are dropped on the way."""
        ...

    async def last_received(self, provider: str) -> float | None:
        """When the newest delivery from this provider arrived."""
        ...


# --------------------------------------------------------------------------- webhooks


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified webhook delivery: its `webhook-id`, event type and the object it is about."""

    delivery_id: str
    type: str
    object_id: str | None


class WebhookVerifier(Protocol):
    """Checks a delivery's signature and freshness; raises `InvalidInput` when it fails."""

    @property
    def tolerance(self) -> float:
        """How far a delivery's timestamp may be from our clock, in seconds."""
        ...

    def verify(self, payload: bytes, headers: Mapping[str, str]) -> WebhookEvent: ...


# --------------------------------------------------------------------------- time


class Clock(Protocol):
    """The time services read (Unix seconds); tests pass a clock they advance by hand."""

    def now(self) -> float: ...


# --------------------------------------------------------------------------- events


class EventPublisher(Protocol):
    async def publish(self, event: Event) -> None: ...
