"""Answering with one stored file of a video: shared by the bearer and the signed-link routes."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from sora2.api.ranges import blob_response
from sora2.api.schemas import ErrorResponse
from sora2.services.videos import Content

CONTENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"video/mp4": {}, "image/webp": {}, "image/jpeg": {}}},
    206: {"description": "Partial content (Range request)"},
    416: {"model": ErrorResponse, "description": "Range not satisfiable"},
}


def content_response(content: Content, request: Request, *, attachment: bool) -> Response:
    """The file, with Range support; named for saving when `attachment` is set."""
    return blob_response(
        content.store,
        content.info,
        request_headers=request.headers,
        method=request.method,
        media_type=content.variant.media_type,
        filename=f"{content.video.id}.{content.variant.extension}" if attachment else None,
    )
