"""The exposure controls, one pure ASGI middleware per module, installed by `install`.

Outermost first: security headers (so every answer carries them, refusals included), the Host
allow-list (a request for another name goes no further), CORS (preflights answered here),
then the body caps (so they also cover Socket.IO's polling and /mcp).
"""

from __future__ import annotations

from starlette.applications import Starlette

from sora2.api.middleware.body_limit import BodyLimit, form_aware_limit
from sora2.api.middleware.cors import Cors
from sora2.api.middleware.headers import SecurityHeaders
from sora2.api.middleware.hosts import HostAllowList, HostPolicy, log_host_policy
from sora2.config import Settings
from sora2.realtime.origins import OriginPolicy

FORM_OVERHEAD = 1 << 20  # the other fields of a create form: a prompt, even percent-encoded


def install(app: Starlette, settings: Settings, *, socketio_path: str, mcp_path: str) -> None:
    """Add the middleware to `app`; call it after every other `add_middleware`."""
    # Starlette wraps in reverse order of addition: the last added is the outermost.
    limit_for = form_aware_limit(
        json_bytes=settings.max_json_bytes,
        form_bytes=settings.max_upload_bytes + FORM_OVERHEAD,
        special={
            # A tool call may carry a first-frame image as base64 (4/3 of its bytes).
            mcp_path: settings.max_upload_bytes * 4 // 3 + FORM_OVERHEAD,
            socketio_path: settings.socketio_max_message_bytes,
        },
    )
    app.add_middleware(BodyLimit, limit_for=limit_for)
    app.add_middleware(
        Cors,
        policy=OriginPolicy(settings.cors_origins),
        skip=(socketio_path,),
        strict=(mcp_path,),
    )
    policy = HostPolicy.from_settings(settings)
    log_host_policy(settings, policy)
    app.add_middleware(HostAllowList, policy=policy)
    app.add_middleware(SecurityHeaders)
