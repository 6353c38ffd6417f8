"""The one composition root: the only package that picks concrete adapters.

`build_container` opens the adapters (the database, the blob store, the providers) for one
`Settings` and hands them to `wiring.wire`, which builds the services. The API server, the CLI's
server-side commands, the MCP server and the tests' rig all start here.
"""

from __future__ import annotations

import importlib.resources
import logging
import os
import secrets
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.clock import SystemClock
from sora2.config import Settings
from sora2.container.wiring import (
    Accounts,
    Adapters,
    Container,
    SimulatorAccess,
    wire,
    wire_accounts,
)
from sora2.db.audit import SqlAuditRepository
from sora2.db.engine import create_engine, ping
from sora2.db.migrate import migrate
from sora2.db.queue import SqlJobQueue
from sora2.db.spend import SqlSpendLedger
from sora2.db.users import SqlUserRepository
from sora2.db.videos import SqlVideoStore
from sora2.db.webhooks import SqlWebhookDeliveryRepository
from sora2.domain import Catalogue, CatalogueError, parse_catalogue
from sora2.ports import BlobStore, Clock, JobQueue, WebhookVerifier
from sora2.providers.openai_videos import OpenAIVideosProvider
from sora2.services.auth.tokens import load_or_create_secret
from sora2.services.jobs.liveness import OwnerLocks
from sora2.services.jobs.registry import ProviderRegistry
from sora2.services.media.links import derive_media_key
from sora2.storage.local import LocalBlobStore

__all__ = [
    "Accounts",
    "Container",
    "SimulatorAccess",
    "build_container",
    "load_catalogue",
    "open_accounts",
]

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The database, migrated to the newest schema."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url
    await migrate(url)
    engine = create_engine(
        url,
        busy_timeout_ms=round(settings.database_busy_timeout_seconds * 1000),
        statement_timeout_ms=round(settings.database_statement_timeout_seconds * 1000),
    )
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_accounts(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[Accounts]:
    """The database and the auth service, for `sora2 users ...`."""
    async with open_database(settings) as engine:
        yield _accounts(settings, engine, clock or SystemClock())


def _accounts(settings: Settings, engine: AsyncEngine, clock: Clock) -> Accounts:
    return wire_accounts(
        settings,
        users=SqlUserRepository(engine),
        audit=SqlAuditRepository(engine),
        secret=_jwt_secret(settings),
        clock=clock,
    )


def _jwt_secret(settings: Settings) -> str:
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return load_or_create_secret(settings.data_dir / "jwt_secret")


@asynccontextmanager
async def build_container(
    settings: Settings, *, clock: Clock | None = None, blobs: BlobStore | None = None
) -> AsyncIterator[Container]:
    """Every service of one process, its adapters open; closed in reverse order on exit. The
    tracker runs only inside `container.tracking()`. `blobs` replaces the local media folder."""
    clock = clock or SystemClock()
    async with AsyncExitStack() as stack:
        engine = await stack.enter_async_context(open_database(settings))
        accounts = _accounts(settings, engine, clock)
        admin_password = settings.admin_password
        await accounts.auth.ensure_initial_admin(
            admin_password=admin_password.get_secret_value() if admin_password else None,
            data_dir=settings.data_dir,
        )
        providers, simulator = await _open_providers(settings, stack)
        queue = SqlJobQueue(engine)
        adapters = Adapters(
            store=SqlVideoStore(engine),
            queue=queue,
            ledger=SqlSpendLedger(engine),
            deliveries=SqlWebhookDeliveryRepository(engine),
            blobs=blobs or LocalBlobStore(settings.data_dir / "media"),
            providers=providers,
            catalogue=load_catalogue(settings).offered_by(providers.names),
            verifiers=await _open_verifiers(settings, stack),
            health_checks={"database": lambda: ping(engine)},
        )
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        yield wire(
            settings,
            accounts=accounts,
            adapters=adapters,
            owner=owner,
            media_key=derive_media_key(_jwt_secret(settings)),
            create_settle=_create_settle(settings),
            simulator=simulator,
            on_tracker_start=lambda: _liveness(settings, queue=queue, owner=owner),
        )


@asynccontextmanager
async def _liveness(settings: Settings, *, queue: JobQueue, owner: str) -> AsyncIterator[None]:
    """Announce this tracker as alive, and clear the leases of the dead ones that shared this
    data folder (a kill -9 before this restart), so their videos move on now (ADR 0009)."""
    locks = OwnerLocks(settings.data_dir / "owners")
    locks.hold(owner)
    try:
        dead = locks.take_dead()
        if dead:
            released = await queue.release_leases(owners=dead)
            log.info("retook %d lease(s) of %d stopped tracker(s)", released, len(dead))
        yield
    finally:
        locks.release()  # after the tracker has handed its leases back


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


async def _open_verifiers(settings: Settings, stack: AsyncExitStack) -> dict[str, WebhookVerifier]:
    """The webhook verifiers, by provider name: only those with a secret."""
    if settings.openai_webhook_secret is None:
        return {}
    from sora2.providers.openai_webhooks import OpenAIWebhookVerifier

    verifier = OpenAIWebhookVerifier(secret=settings.openai_webhook_secret.get_secret_value())
    stack.push_async_callback(verifier.aclose)
    return {"openai": verifier}


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
                faults=settings.simulator_faults,
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
