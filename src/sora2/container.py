"""The one composition root: the only module that picks concrete adapters.

The API server, the CLI's server-side commands and (later) workers and the MCP server all build
their objects here, from one `Settings`.
"""

from __future__ import annotations

import asyncio
import importlib.resources
import logging
import os
import secrets
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.config import Settings
from sora2.db.engine import create_engine
from sora2.db.migrate import migrate
from sora2.db.repositories import (
    SqlAuditRepository,
    SqlUserRepository,
    SqlVideoRepository,
    SqlWebhookDeliveryRepository,
)
from sora2.domain import Catalogue, CatalogueError, parse_catalogue
from sora2.events import InProcessEventBus
from sora2.ports import VideoRepository
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.realtime.gateway import RealtimeGateway, open_gateway
from sora2.services.audit import AuditLog
from sora2.services.auth import AuthService
from sora2.services.costs import CostService, UserLimits
from sora2.services.jobs import JobRunner
from sora2.services.liveness import OwnerLocks
from sora2.services.media_urls import MediaUrlService, derive_media_key
from sora2.services.password_policy import PasswordPolicy, load_blocklist
from sora2.services.passwords import Passwords
from sora2.services.registry import ProviderRegistry
from sora2.services.throttle import LoginThrottle
from sora2.services.timing import Timing
from sora2.services.tokens import TokenCodec, load_or_create_secret
from sora2.services.tracker import Tracker
from sora2.services.users import UserAdmin
from sora2.services.videos import VideoLimits, VideoService
from sora2.services.webhooks import WebhookActivity, WebhookService
from sora2.storage.local import LocalBlobStore

log = logging.getLogger(__name__)
_BACKGROUND: set[asyncio.Task[None]] = set()  # tasks kept referenced until they finish


@dataclass(frozen=True, slots=True)
class Accounts:
    """What user management needs: the database, the auth service and the audit log."""

    settings: Settings
    engine: AsyncEngine
    auth: AuthService
    audit: AuditLog
    events: InProcessEventBus  # revocations are published here
    media_key: bytes  # signs media URLs; derived from the JWT secret


@dataclass(frozen=True, slots=True)
class SimulatorAccess:
    """Where the in-process simulator listens (loopback only), and its per-process key."""

    base_url: str
    api_key: str


@dataclass(frozen=True, slots=True)
class Container:
    settings: Settings
    engine: AsyncEngine
    auth: AuthService
    videos: VideoService
    users: UserAdmin
    audit: AuditLog
    events: InProcessEventBus
    tracker: Tracker
    providers: ProviderRegistry
    catalogue: Catalogue  # the models on offer: only those whose provider is configured
    costs: CostService
    webhooks: dict[str, WebhookService]  # by provider name; only those with a secret
    simulator: SimulatorAccess | None
    realtime: RealtimeGateway
    media_urls: MediaUrlService

    def begin_shutdown(self) -> None:
        """On SIGTERM, before the HTTP server drains: take no more tracker work (steps in flight
        get SORA2_SHUTDOWN_GRACE_SECONDS) and close live sockets, which would hold the drain."""
        if self.settings.tracker_enabled:
            self.tracker.begin_stop(grace=self.settings.shutdown_grace_seconds)
        task = asyncio.create_task(self.realtime.disconnect_all(), name="sora2-close-sockets")
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)


@asynccontextmanager
async def open_accounts(settings: Settings) -> AsyncIterator[Accounts]:
    """The database (migrated) and the auth service, for `sora2 users ...` and the server."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    await migrate(url)
    engine = create_engine(
        url,
        busy_timeout_ms=round(settings.database_busy_timeout_seconds * 1000),
        statement_timeout_ms=round(settings.database_statement_timeout_seconds * 1000),
    )
    try:
        secret = (
            settings.jwt_secret.get_secret_value()
            if settings.jwt_secret is not None
            else load_or_create_secret(settings.data_dir / "jwt_secret")
        )
        audit_repository = SqlAuditRepository(engine)
        audit = AuditLog(repository=audit_repository, page_size_max=settings.page_size_max)
        events = InProcessEventBus()
        auth = AuthService(
            users=SqlUserRepository(engine),
            passwords=Passwords(policy=PasswordPolicy(blocklist=load_blocklist())),
            tokens=TokenCodec(secret=secret, expiry_seconds=settings.jwt_expiry_seconds),
            audit=audit,
            throttle=LoginThrottle(
                repository=audit_repository,
                max_failures=settings.login_max_failures,
                window_seconds=settings.login_window_seconds,
            ),
            events=events,
            listens_on_loopback=settings.listens_on_loopback,
            user_cache_seconds=settings.user_cache_seconds,
        )
        yield Accounts(
            settings=settings,
            engine=engine,
            auth=auth,
            audit=audit,
            events=events,
            media_key=derive_media_key(secret),
        )
    finally:
        await engine.dispose()


@asynccontextmanager
async def build_container(settings: Settings) -> AsyncIterator[Container]:
    """Everything the server needs, started; stopped in reverse order on exit."""
    async with AsyncExitStack() as stack:
        accounts = await stack.enter_async_context(open_accounts(settings))
        admin_password = settings.admin_password
        await accounts.auth.ensure_initial_admin(
            admin_password=admin_password.get_secret_value() if admin_password else None,
            data_dir=settings.data_dir,
        )
        catalogue = load_catalogue(settings)
        providers, simulator = await _open_providers(settings, stack)
        catalogue = catalogue.offered_by(providers.names)
        video_repo = SqlVideoRepository(accounts.engine)
        deliveries = SqlWebhookDeliveryRepository(accounts.engine)
        activity = WebhookActivity(
            deliveries=deliveries, window=max(60.0, 2 * settings.webhook_poll_interval_seconds)
        )
        blobs = LocalBlobStore(settings.data_dir / "media")
        events = accounts.events
        runner = JobRunner(
            videos=video_repo,
            providers=providers,
            blobs=blobs,
            events=events,
            timing=Timing(
                poll_interval=settings.poll_interval_seconds,
                jitter=settings.poll_jitter,
                lease_seconds=settings.tracker_lease_seconds,
                webhook_poll_interval=settings.webhook_poll_interval_seconds,
                create_settle=_create_settle(settings),
            ),
            owner=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
            webhooks=activity,
        )
        costs = CostService(
            videos=video_repo,
            limits=UserLimits(
                max_active_videos=settings.user_max_active_videos,
                daily_spend=settings.user_daily_spend_limit,
            ),
        )
        videos = VideoService(
            videos=video_repo,
            blobs=blobs,
            events=events,
            jobs=runner,
            limits=VideoLimits(
                max_upload_bytes=settings.max_upload_bytes,
                max_image_pixels=settings.max_image_pixels,
                page_size_max=settings.page_size_max,
            ),
            catalogue=catalogue,
            costs=costs,
            audit=accounts.audit,
        )
        # Subscribed to the events before the tracker starts publishing them.
        realtime = await stack.enter_async_context(
            open_gateway(settings, auth=accounts.auth, videos=videos, events=events)
        )
        tracker = Tracker(
            videos=video_repo,
            runner=runner,
            concurrency=settings.tracker_concurrency,
            tick=max(0.05, min(1.0, settings.poll_interval_seconds / 2)),
        )
        if settings.tracker_enabled:
            await _retake_dead_leases(settings, stack, videos=video_repo, owner=runner.owner)
            tracker.start()
            stack.push_async_callback(tracker.stop, grace=settings.shutdown_grace_seconds)
        yield Container(
            settings=settings,
            engine=accounts.engine,
            auth=accounts.auth,
            videos=videos,
            users=UserAdmin(auth=accounts.auth, videos=videos),
            audit=accounts.audit,
            events=events,
            tracker=tracker,
            providers=providers,
            catalogue=catalogue,
            costs=costs,
            webhooks=await _open_webhooks(
                settings,
                stack,
                deliveries=deliveries,
                videos=video_repo,
                providers=providers,
                activity=activity,
                tracker=tracker,
            ),
            simulator=simulator,
            realtime=realtime,
            media_urls=MediaUrlService(
                key=accounts.media_key,
                ttl_seconds=settings.media_url_ttl_seconds,
                users=SqlUserRepository(accounts.engine),
                videos=videos,
            ),
        )


async def _retake_dead_leases(
    settings: Settings, stack: AsyncExitStack, *, videos: VideoRepository, owner: str
) -> None:
    """Announce this tracker as alive, and clear the leases of the dead ones that shared this
    data folder (a kill -9 before this restart), so their videos move on now (ADR 0009)."""
    locks = OwnerLocks(settings.data_dir / "owners")
    locks.hold(owner)
    stack.callback(locks.release)  # after tracker.stop has handed the leases back
    dead = locks.take_dead()
    if dead:
        released = await videos.release_leases(owners=dead)
        log.info("retook %d lease(s) of %d stopped tracker(s)", released, len(dead))


def _create_settle(settings: Settings) -> float:
    """The longest a create sent by this process (or a dead one) may still be in flight."""
    timeouts = [settings.openai_timeout_seconds]
    if settings.google_api_key is not None:
        timeouts.append(settings.google_timeout_seconds)
    return max(timeouts)


def load_catalogue(settings: Settings) -> Catalogue:
    """The package's catalogue, with SORA2_MODELS_FILE (if any) merged over it."""
    default = importlib.resources.files("sora2.domain").joinpath("catalogue.toml")
    catalogue = parse_catalogue(default.read_text("utf-8"), source="the built-in catalogue")
    path = settings.models_file
    if path is None:
        return catalogue
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CatalogueError(f"SORA2_MODELS_FILE {path}: {exc.strerror or exc}") from exc
    return parse_catalogue(text, source=str(path), base=catalogue)


async def _open_providers(
    settings: Settings, stack: AsyncExitStack
) -> tuple[ProviderRegistry, SimulatorAccess | None]:
    """Every configured provider: `openai` always (a gateway, or the built-in simulator), and
    `veo` when a Google API key is set."""
    registry = ProviderRegistry()
    stack.push_async_callback(registry.aclose)
    openai_provider, access = await _open_openai(settings, stack)
    registry.add(
        "openai",
        openai_provider,
        max_concurrent=settings.openai_max_concurrent,
        # Rows made before the registry existed name the built-in stand-in "simulator".
        aliases=("simulator",),
    )
    if settings.google_api_key is not None:
        from sora2.providers.google_veo import GoogleVeoProvider

        registry.add(
            "veo",
            GoogleVeoProvider(
                api_key=settings.google_api_key.get_secret_value(),
                base_url=settings.google_base_url,
                timeout=settings.google_timeout_seconds,
            ),
            max_concurrent=settings.google_max_concurrent,
        )
    return registry, access


async def _open_openai(
    settings: Settings, stack: AsyncExitStack
) -> tuple[OpenAIVideosProvider, SimulatorAccess | None]:
    """The `openai` provider: pointed at SORA2_OPENAI_BASE_URL, or at the built-in simulator
    served on a private loopback port of this process, so the default path runs the real SDK."""
    access = None
    if settings.openai_base_url:
        base_url = settings.openai_base_url
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    else:
        from sora2.providers.simulator.app import build_simulator_app
        from sora2.providers.simulator.server import start_in_process

        key = secrets.token_urlsafe(24)
        secret = settings.openai_webhook_secret
        running = await start_in_process(
            build_simulator_app(
                data_dir=settings.data_dir / "simulator",
                api_key=key,
                job_seconds=settings.simulator_job_seconds,
                webhook_url=settings.simulator_webhook_url or _own_webhook_url(settings),
                webhook_secret=secret.get_secret_value() if secret else None,
            )
        )
        stack.push_async_callback(running.stop)
        base_url = running.base_url
        access = SimulatorAccess(base_url=base_url, api_key=key)
        log.info("built-in simulator serving the OpenAI Videos API at %s", base_url)
    # Closed by the registry.
    provider = OpenAIVideosProvider(
        base_url=base_url, api_key=key, timeout=settings.openai_timeout_seconds, name="openai"
    )
    return provider, access


def _own_webhook_url(settings: Settings) -> str:
    """This server's webhook route, as the built-in simulator on the same machine reaches it."""
    host = settings.host
    if host in ("", "0.0.0.0", "::"):  # every interface, loopback included
        host = "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}/api/webhooks/openai"


async def _open_webhooks(
    settings: Settings,
    stack: AsyncExitStack,
    *,
    deliveries: SqlWebhookDeliveryRepository,
    videos: VideoRepository,
    providers: ProviderRegistry,
    activity: WebhookActivity,
    tracker: Tracker,
) -> dict[str, WebhookService]:
    if settings.openai_webhook_secret is None:
        return {}
    from sora2.providers.openai_webhooks import OpenAIWebhookVerifier

    verifier = OpenAIWebhookVerifier(secret=settings.openai_webhook_secret.get_secret_value())
    stack.push_async_callback(verifier.aclose)
    service = WebhookService(
        provider="openai",
        verifier=verifier,
        tolerance=verifier.tolerance,
        deliveries=deliveries,
        videos=videos,
        providers=providers,
        activity=activity,
        on_due=tracker.poke,
    )
    return {"openai": service}
