"""The ASGI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial

from fastapi import APIRouter, FastAPI
from starlette.routing import Route

import sora2
from sora2.api import middleware
from sora2.api.docs import OPENAPI_PATH, install_docs
from sora2.api.errors import install_error_handlers
from sora2.api.routes import audit, auth, health, media, models, users, videos, webhooks
from sora2.api.web import DEFAULT_WEB_UI_DIR, WebUI
from sora2.config import Settings
from sora2.container import Container, build_container
from sora2.mcp.mount import MCP_PATH, McpMount, McpRoute
from sora2.realtime.asgi import SocketIORoute
from sora2.realtime.gateway import SOCKETIO_PATH, RealtimeGateway, open_gateway

_BACKGROUND: set[asyncio.Task[None]] = set()  # tasks kept referenced until they finish


def create_app(settings: Settings) -> FastAPI:
    """Build the platform's app; its services start with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            container = await stack.enter_async_context(build_container(settings))
            # Subscribed to the events before the tracker starts publishing them.
            realtime = await stack.enter_async_context(
                open_gateway(
                    settings, auth=container.auth, videos=container.videos, events=container.events
                )
            )
            await stack.enter_async_context(container.tracking())
            mcp = McpMount(container)  # the MCP SDK is loaded by the first request to /mcp
            stack.push_async_callback(mcp.aclose)
            app.state.container = container
            app.state.realtime = realtime
            app.state.mcp = mcp
            app.state.begin_shutdown = partial(_begin_shutdown, container, realtime)
            yield

    app = FastAPI(
        title="Sora2 Platform",
        version=sora2.__version__,
        description="Self-hosted video generation: the REST API of the integration guide.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_PATH if settings.api_docs else None,
    )
    install_error_handlers(app)
    if settings.api_docs:
        install_docs(app)
    api = APIRouter(prefix="/api")
    for module in (auth, videos, media, models, users, audit, webhooks):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    # MCP over streamable HTTP (bearer token as for the API; outside the OpenAPI schema).
    app.router.routes.append(
        Route(MCP_PATH, McpRoute(lambda: app.state.mcp), include_in_schema=False)
    )
    # Whatever no route matched: the web UI's files, else its index.html (client-side routes).
    app.router.default = WebUI(settings.web_ui_dir or DEFAULT_WEB_UI_DIR)
    # Live updates on the same port: the Socket.IO server is opened by the lifespan, so it is
    # looked up per connection.
    app.add_middleware(SocketIORoute, server=lambda: app.state.realtime.server, path=SOCKETIO_PATH)
    # Host allow-list, CORS, security headers and body caps: around everything above.
    middleware.install(app, settings, socketio_path="/" + SOCKETIO_PATH, mcp_path=MCP_PATH)
    return app


def _begin_shutdown(container: Container, realtime: RealtimeGateway) -> None:
    """On SIGTERM, before the HTTP server drains: take no more tracker work (steps in flight get
    SORA2_SHUTDOWN_GRACE_SECONDS) and close live sockets, which would hold the drain."""
    if container.settings.tracker_enabled:
        container.tracker.begin_stop(grace=container.settings.shutdown_grace_seconds)
    task = asyncio.create_task(realtime.disconnect_all(), name="sora2-close-sockets")
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
