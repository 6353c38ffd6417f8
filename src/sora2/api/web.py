"""The web UI: the built single-page app (frontend/ -> the package's static folder).

It answers every request no API route matched: a file of the build if there is one, else
`index.html`, so that client-side routes (`/videos/<id>`, `/users`, ...) survive a reload. Paths
of the API, Socket.IO, health and MCP keep their JSON 404s. Vite names assets by content hash,
so `/assets/*` may be cached for a year; `index.html` is revalidated on every load.

HTML responses carry a strict Content-Security-Policy that the app satisfies (no inline script
or style). `/api/docs` (Swagger UI, from a CDN with inline script) has its own (api/docs.py);
every other response gets the platform's headers from api/middleware/headers.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

DEFAULT_WEB_UI_DIR: Final = Path(__file__).resolve().parent.parent / "static"
RESERVED_PREFIXES: Final = ("/api", "/socket.io", "/health", "/mcp")

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'; object-src 'none'"
)
HTML_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
IMMUTABLE: Final = "public, max-age=31536000, immutable"

NOT_BUILT_PAGE: Final = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sora2: the web UI is not built</title></head>
<body>
<h1>The web UI is not built yet</h1>
<p>The server and its API work: see <a href="/api/docs">/api/docs</a>.</p>
<p>To build the web UI (Node.js 20 and npm needed), run <code>make install</code> in the
repository, or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>; then reload
this page.</p>
</body>
</html>
"""


def is_reserved(path: str) -> bool:
    """Paths the UI never answers: they belong to the API and the other servers on this port."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in RESERVED_PREFIXES)


class WebUI:
    """The ASGI app behind the router's fallback (`Router.default`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files = StaticFiles(directory=directory, check_dir=False)

    @property
    def built(self) -> bool:
        return (self.directory / "index.html").is_file()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_reserved(scope["path"]):
            # Starlette's own fallback: a JSON 404 through the error handlers, or a closed socket.
            raise HTTPException(status_code=404)
        response = await self._response(scope)
        await response(scope, receive, send)

    async def _response(self, scope: Scope) -> Response:
        path = scope["path"]
        if not self.built:
            if scope["method"] not in ("GET", "HEAD"):
                raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
            status = 200 if path == "/" else 404
            return HTMLResponse(NOT_BUILT_PAGE, status_code=status, headers=HTML_HEADERS)
        if path not in ("/", "/index.html"):
            try:
                response = await self._files.get_response(self._files.get_path(scope), scope)
            except HTTPException as exc:
                # A missing asset is a 404, not the app's HTML under a script's name.
                if exc.status_code != 404 or path.startswith("/assets/"):
                    raise
            else:
                cache = IMMUTABLE if path.startswith("/assets/") else "public, max-age=3600"
                response.headers.setdefault("Cache-Control", cache)
                response.headers.setdefault("X-Content-Type-Options", "nosniff")
                return response
        response = await self._files.get_response("index.html", scope)
        response.headers.update(HTML_HEADERS)
        return response
