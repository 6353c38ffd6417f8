"""The one composition root: the only module that picks concrete adapters.

The API server, the CLI's server-side commands and (later) workers and the MCP server all build
their objects here, from one `Settings`.
"""

from __future__ import annotations

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
from sora2.db.repositories import SqlUserRepository, SqlVideoRepository
from sora2.events import InProcessEventBus
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.realtime.gateway import RealtimeGateway, open_gateway
from sora2.services.auth import AuthService
from sora2.services.jobs import JobRunner, Timing
from sora2.services.passwords import Passwords
from sora2.services.tokens import TokenCodec, load_or_create_secret
from sora2.services.tracker import Tracker
from sora2.services.users import UserAdmin
from sora2.services.videos import VideoLimits, VideoService
from sora2.storage.local import LocalBlobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accounts:
    """What user management needs: the database and the auth service."""

    settings: Settings
    engine: AsyncEngine
    auth: AuthService


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
    events: InProcessEventBus
    tracker: Tracker
    provider: OpenAIVideosProvider
    simulator: SimulatorAccess | None
    realtime: RealtimeGateway


@asynccontextmanager
async def open_accounts(settings: Settings) -> AsyncIterator[Accounts]:
    """The database (migrated) and the auth service, for `sora2 users ...` and the server."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    await migrate(url)
    engine = create_engine(url)
    try:
        secret = (
            settings.jwt_secret.get_secret_value()
            if settings.jwt_secret is not None
            else load_or_create_secret(settings.data_dir / "jwt_secret")
        )
        auth = AuthService(
            users=SqlUserRepository(engine),
            passwords=Passwords(),
            tokens=TokenCodec(secret=secret, expiry_seconds=settings.jwt_expiry_seconds),
            listens_on_loopback=settings.listens_on_loopback,
        )
        yield Accounts(settings=settings, engine=engine, auth=auth)
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
        provider, simulator = await _open_provider(settings, stack)
        video_repo = SqlVideoRepository(accounts.engine)
        blobs = LocalBlobStore(settings.data_dir / "media")
        events = InProcessEventBus()
        runner = JobRunner(
            videos=video_repo,
            provider=provider,
            blobs=blobs,
            events=events,
            timing=Timing(
                poll_interval=settings.poll_interval_seconds,
                jitter=settings.poll_jitter,
                lease_seconds=settings.tracker_lease_seconds,
            ),
            owner=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
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
            provider_name=provider.name,
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
            tracker.start()
            stack.push_async_callback(tracker.stop)
        yield Container(
            settings=settings,
            engine=accounts.engine,
            auth=accounts.auth,
            videos=videos,
            users=UserAdmin(auth=accounts.auth, videos=videos),
            events=events,
            tracker=tracker,
            provider=provider,
            simulator=simulator,
            realtime=realtime,
        )


async def _open_provider(
    settings: Settings, stack: AsyncExitStack
) -> tuple[OpenAIVideosProvider, SimulatorAccess | None]:
    """The `openai` provider: pointed at SORA2_OPENAI_BASE_URL, or at the built-in simulator
    served on a private loopback port of this process, so the default path runs the real SDK."""
    access = None
    if settings.openai_base_url:
        base_url = settings.openai_base_url
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        name = "openai"
    else:
        from sora2.providers.simulator.app import build_simulator_app
        from sora2.providers.simulator.server import start_in_process

        key = secrets.token_urlsafe(24)
        running = await start_in_process(
            build_simulator_app(
                data_dir=settings.data_dir / "simulator",
                api_key=key,
                job_seconds=settings.simulator_job_seconds,
            )
        )
        stack.push_async_callback(running.stop)
        base_url = running.base_url
        access = SimulatorAccess(base_url=base_url, api_key=key)
        name = "simulator"
        log.info("built-in simulator serving the OpenAI Videos API at %s", base_url)
    provider = OpenAIVideosProvider(
        base_url=base_url, api_key=key, timeout=settings.openai_timeout_seconds, name=name
    )
    stack.push_async_callback(provider.aclose)
    return provider, access
