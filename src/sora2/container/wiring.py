"""Wiring: which service gets which collaborator. Pure construction, no I/O.

`wire()` takes the adapters (whatever they are: SQL, in-memory fakes, a fake provider) and builds
every service from them, so production (`sora2.container.build_container`) and the unit tests'
world (tests/unit/services/conftest.py) are wired by the same code.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from sora2.config import Settings
from sora2.domain import Catalogue
from sora2.events import InProcessEventBus
from sora2.ports import (
    AuditRepository,
    BlobStore,
    Clock,
    JobQueue,
    SpendLedger,
    UserRepository,
    VideoStore,
    WebhookDeliveryRepository,
    WebhookVerifier,
)
from sora2.services.audit import AuditLog
from sora2.services.auth.passwords import Passwords
from sora2.services.auth.policy import PasswordPolicy, load_blocklist
from sora2.services.auth.service import AuthService
from sora2.services.auth.throttle import LoginThrottle
from sora2.services.auth.tokens import TokenCodec
from sora2.services.costs import CostService, UserLimits
from sora2.services.health import Check, HealthService
from sora2.services.jobs.admission import Admission
from sora2.services.jobs.finish import Finisher
from sora2.services.jobs.lifecycle import JobLifecycle
from sora2.services.jobs.reading import StatusReader
from sora2.services.jobs.registry import ProviderRegistry
from sora2.services.jobs.submit import Submitter
from sora2.services.jobs.sweep import StatusSweep
from sora2.services.jobs.timing import Timing
from sora2.services.jobs.tracker import Tracker
from sora2.services.jobs.webhooks import WebhookActivity, WebhookService
from sora2.services.jobs.writer import JobWriter
from sora2.services.media.files import UploadLimits, VideoFiles
from sora2.services.media.links import MediaUrlService
from sora2.services.users import UserAdmin
from sora2.services.videos import VideoService


@dataclass(frozen=True, slots=True)
class Adapters:
    """What the services need from outside, already open."""

    store: VideoStore
    queue: JobQueue
    ledger: SpendLedger
    deliveries: WebhookDeliveryRepository
    blobs: BlobStore
    providers: ProviderRegistry
    catalogue: Catalogue  # the models on offer: only those whose provider is configured
    verifiers: dict[str, WebhookVerifier] = field(default_factory=dict)  # by provider name
    health_checks: dict[str, Check] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Accounts:
    """User management: the auth service and the audit log (and where revocations go)."""

    settings: Settings
    users: UserRepository
    auth: AuthService
    audit: AuditLog
    events: InProcessEventBus
    clock: Clock


@dataclass(frozen=True, slots=True)
class JobParts:
    """The job lifecycle, wired (services/jobs/)."""

    writer: JobWriter
    timing: Timing
    submitter: Submitter
    sweep: StatusSweep
    finisher: Finisher
    lifecycle: JobLifecycle
    activity: WebhookActivity


@dataclass(frozen=True, slots=True)
class SimulatorAccess:
    """Where the in-process simulator listens (loopback only), and its per-process key."""

    base_url: str
    api_key: str


@dataclass(frozen=True, slots=True)
class Container:
    """Every service of one process. Nothing runs until `tracking()` starts the tracker."""

    settings: Settings
    clock: Clock
    auth: AuthService
    users: UserAdmin
    audit: AuditLog
    events: InProcessEventBus
    videos: VideoService
    costs: CostService
    media_urls: MediaUrlService
    catalogue: Catalogue
    providers: ProviderRegistry
    store: VideoStore
    queue: JobQueue
    jobs: JobParts
    tracker: Tracker
    webhooks: dict[str, WebhookService]  # by provider name; only those with a secret
    health: HealthService
    simulator: SimulatorAccess | None = None
    # Entered before the tracker starts, left after it stopped (in production: the liveness
    # lock of this owner, and the retake of dead owners' leases).
    on_tracker_start: Callable[[], contextlib.AbstractAsyncContextManager[None]] | None = None

    @contextlib.asynccontextmanager
    async def tracking(self) -> AsyncIterator[Tracker]:
        """Run the tracker (when enabled) for the life of the context; on exit it stops
        claiming, lets the steps in flight finish for the shutdown grace, and hands back its
        leases. Open it after everything that listens to the events (the realtime gateway)."""
        settings = self.settings
        if not settings.tracker_enabled:
            yield self.tracker
            return
        async with contextlib.AsyncExitStack() as stack:
            if self.on_tracker_start is not None:
                await stack.enter_async_context(self.on_tracker_start())
            self.tracker.start()
            stack.push_async_callback(self.tracker.stop, grace=settings.shutdown_grace_seconds)
            yield self.tracker


def wire(
    settings: Settings,
    *,
    accounts: Accounts,
    adapters: Adapters,
    owner: str,
    media_key: bytes,
    create_settle: float = 0.0,
    simulator: SimulatorAccess | None = None,
    on_tracker_start: Callable[[], contextlib.AbstractAsyncContextManager[None]] | None = None,
) -> Container:
    """Build every service from open adapters."""
    clock = accounts.clock
    files = VideoFiles(
        blobs=adapters.blobs,
        limits=UploadLimits(
            max_upload_bytes=settings.max_upload_bytes, max_image_pixels=settings.max_image_pixels
        ),
    )
    jobs = wire_jobs(
        settings,
        adapters=adapters,
        files=files,
        events=accounts.events,
        clock=clock,
        owner=owner,
        create_settle=create_settle,
    )
    costs = CostService(
        queue=adapters.queue,
        ledger=adapters.ledger,
        limits=UserLimits(
            max_active_videos=settings.user_max_active_videos,
            daily_spend=settings.user_daily_spend_limit,
        ),
        clock=clock,
    )
    videos = VideoService(
        store=adapters.store,
        files=files,
        jobs=jobs.lifecycle,
        catalogue=adapters.catalogue,
        costs=costs,
        clock=clock,
        page_size_max=settings.page_size_max,
        audit=accounts.audit,
    )
    tracker = Tracker(
        queue=adapters.queue,
        submitter=jobs.submitter,
        sweep=jobs.sweep,
        finisher=jobs.finisher,
        writer=jobs.writer,
        timing=jobs.timing,
        clock=clock,
        concurrency=settings.tracker_concurrency,
        tick=max(0.05, min(1.0, settings.poll_interval_seconds / 2)),
    )
    return Container(
        settings=settings,
        clock=clock,
        auth=accounts.auth,
        users=UserAdmin(auth=accounts.auth, videos=videos),
        audit=accounts.audit,
        events=accounts.events,
        videos=videos,
        costs=costs,
        media_urls=MediaUrlService(
            key=media_key,
            ttl_seconds=settings.media_url_ttl_seconds,
            users=accounts.users,
            videos=videos,
            clock=clock,
        ),
        catalogue=adapters.catalogue,
        providers=adapters.providers,
        store=adapters.store,
        queue=adapters.queue,
        jobs=jobs,
        tracker=tracker,
        webhooks=_wire_webhooks(adapters, jobs=jobs, tracker=tracker, clock=clock),
        health=HealthService(checks=adapters.health_checks),
        simulator=simulator,
        on_tracker_start=on_tracker_start,
    )


def wire_accounts(
    settings: Settings,
    *,
    users: UserRepository,
    audit: AuditRepository,
    secret: str,
    clock: Clock,
    passwords: Passwords | None = None,
) -> Accounts:
    """The auth service and the audit log over these repositories."""
    log = AuditLog(repository=audit, page_size_max=settings.page_size_max, clock=clock)
    events = InProcessEventBus()
    auth = AuthService(
        users=users,
        passwords=passwords or Passwords(policy=PasswordPolicy(blocklist=load_blocklist())),
        tokens=TokenCodec(secret=secret, expiry_seconds=settings.jwt_expiry_seconds, clock=clock),
        audit=log,
        throttle=LoginThrottle(
            repository=audit,
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
            clock=clock,
        ),
        events=events,
        listens_on_loopback=settings.listens_on_loopback,
        clock=clock,
        user_cache_seconds=settings.user_cache_seconds,
    )
    return Accounts(
        settings=settings, users=users, auth=auth, audit=log, events=events, clock=clock
    )


def wire_jobs(
    settings: Settings,
    *,
    adapters: Adapters,
    files: VideoFiles,
    events: InProcessEventBus,
    clock: Clock,
    owner: str,
    create_settle: float = 0.0,
) -> JobParts:
    """The job lifecycle (services/jobs/) over these adapters."""
    timing = Timing(
        poll_interval=settings.poll_interval_seconds,
        jitter=settings.poll_jitter,
        lease_seconds=settings.tracker_lease_seconds,
        webhook_poll_interval=settings.webhook_poll_interval_seconds,
        create_settle=create_settle,
    )
    writer = JobWriter(store=adapters.store, events=events, owner=owner)
    activity = WebhookActivity(
        deliveries=adapters.deliveries,
        window=max(60.0, 2 * settings.webhook_poll_interval_seconds),
        clock=clock,
    )
    submitter = Submitter(
        store=adapters.store,
        providers=adapters.providers,
        blobs=adapters.blobs,
        admission=Admission(queue=adapters.queue, providers=adapters.providers, clock=clock),
        writer=writer,
        timing=timing,
        clock=clock,
    )
    return JobParts(
        writer=writer,
        timing=timing,
        submitter=submitter,
        sweep=StatusSweep(
            providers=adapters.providers,
            reader=StatusReader(),
            timing=timing,
            webhooks=activity,
            writer=writer,
            clock=clock,
        ),
        finisher=Finisher(
            store=adapters.store,
            providers=adapters.providers,
            files=files,
            writer=writer,
            timing=timing,
            clock=clock,
        ),
        lifecycle=JobLifecycle(
            store=adapters.store,
            providers=adapters.providers,
            files=files,
            submitter=submitter,
            writer=writer,
            timing=timing,
        ),
        activity=activity,
    )


def _wire_webhooks(
    adapters: Adapters, *, jobs: JobParts, tracker: Tracker, clock: Clock
) -> dict[str, WebhookService]:
    return {
        name: WebhookService(
            provider=name,
            verifier=verifier,
            deliveries=adapters.deliveries,
            store=adapters.store,
            providers=adapters.providers,
            activity=jobs.activity,
            on_due=tracker.poke,
            clock=clock,
        )
        for name, verifier in adapters.verifiers.items()
    }
