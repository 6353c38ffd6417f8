"""Answering with one stored file of a video: shared by the bearer and the signed-link routes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request, Response

from sora2.api.ranges import blob_response, safe_filename
from sora2.api.schemas import ErrorResponse
from sora2.services.media.files import Content

CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"video/mp4": {}, "image/webp": {}, "image/jpeg": {}}},
    206: {"description": "Partial content (Range request)"},
    416: {"model": ErrorResponse, "description": "Range not satisfiable"},
}


def content_response(content: Content, request: Request, *, attachment: bool) -> Response:
    """The file, with Range support; named for saving when `attachment` is set.

    With `SORA2_ACCEL_REDIRECT_PREFIX`, the (already authorised) answer is handed to nginx:
    an empty response whose `X-Accel-Redirect` names the file; nginx serves it with sendfile,
    Range and validators from an `internal` location."""
    filename = f"{content.video.id}.{content.variant.extension}" if attachment else None
    prefix: str | None = request.app.state.container.settings.accel_redirect_prefix
    if prefix is not None:
        return _accel_redirect(prefix, content, filename)
    return blob_response(
        content.store,
        content.info,
        request_headers=request.headers,
        method=request.method,
        media_type=content.variant.media_type,
        filename=filename,
    )


def _accel_redirect(prefix: str, content: Content, filename: str | None) -> Response:
    headers = {
        "X-Accel-Redirect": f"{prefix}/{quote(content.info.key)}",
        "Cache-Control": "private",
        "X-Content-Type-Options": "nosniff",
    }
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}"'
    return Response(headers=headers, media_type=content.variant.media_type)
