"""The API's interactive docs (`/api/docs`, Swagger UI) under a Content-Security-Policy.

Swagger UI comes from a CDN and starts with one inline script: the policy allows exactly that
script (by its hash) and the CDN, rather than `'unsafe-inline'`. `SORA2_API_DOCS=false` leaves
both the page and `/api/openapi.json` out (404).
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse

DOCS_PATH: Final = "/api/docs"
OPENAPI_PATH: Final = "/api/openapi.json"
CDN: Final = "https://cdn.jsdelivr.net"
FAVICON: Final = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def install_docs(app: FastAPI) -> None:
    """Serve the docs page (the app must be built with `docs_url=None`)."""
    page = get_swagger_ui_html(openapi_url=OPENAPI_PATH, title=f"{app.title} - API docs")
    body = bytes(page.body).decode()
    headers = {"Content-Security-Policy": docs_policy(body), "Cache-Control": "no-cache"}

    async def swagger_ui(request: Request) -> HTMLResponse:
        return HTMLResponse(body, headers=headers)

    app.add_route(DOCS_PATH, swagger_ui, methods=["GET"], include_in_schema=False)


def docs_policy(html: str) -> str:
    """A CSP that allows the page's own inline scripts, the CDN's files and nothing else."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src {CDN} {hashes}; style-src {CDN} 'unsafe-inline'; "
        f"img-src {FAVICON} data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
