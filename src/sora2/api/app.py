"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.routing import Route

import sora2
from sora2.api import middleware
from sora2.api.docs import OPENAPI_PATH, install_docs
from sora2.api.errors import install_error_handlers
from sora2.api.routes import audit, auth, health, media, models, users, videos, webhooks
from sora2.api.web import DEFAULT_WEB_UI_DIR, WebUI
from sora2.config import Settings
from sora2.container import build_container
from sora2.mcp.mount import MCP_PATH, McpMount, McpRoute
from sora2.realtime.asgi import SocketIORoute
from sora2.realtime.gateway import SOCKETIO_PATH


def create_app(settings: Settings) -> FastAPI:
    """Build the platform's app; its services start with the app's lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with build_container(settings) as container:
            mcp = McpMount(container)  # the MCP SDK is loaded by the first request to /mcp
            app.state.container = container
            app.state.mcp = mcp
            try:
                yield
            finally:
                await mcp.aclose()

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
    # Live updates on the same port: the Socket.IO server is part of the container (built with
    # the lifespan), so it is looked up per connection.
    app.add_middleware(
        SocketIORoute, server=lambda: app.state.container.realtime.server, path=SOCKETIO_PATH
    )
    # Host allow-list, CORS, security headers and body caps: around everything above.
    middleware.install(app, settings, socketio_path="/" + SOCKETIO_PATH, mcp_path=MCP_PATH)
    return app
