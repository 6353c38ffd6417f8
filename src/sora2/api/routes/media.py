"""Signed media URLs: links a `<video>` or `<img>` element can load without a bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sora2.api.content import CONTENT_RESPONSES, content_response
from sora2.api.deps import CurrentUserDep, MediaUrlServiceDep
from sora2.api.schemas import ERROR_RESPONSES, ErrorResponse, MediaUrlPublic, VariantName

router = APIRouter(tags=["media"], responses=ERROR_RESPONSES)

MEDIA_PATH = "/api/media/"


@router.get(
    "/videos/{video_id}/media-url",
    responses={409: {"model": ErrorResponse, "description": "The video is not completed"}},
)
async def media_url(
    video_id: str,
    user: CurrentUserDep,
    media: MediaUrlServiceDep,
    variant: Annotated[
        VariantName | None, Query(description="video (default), thumbnail, spritesheet")
    ] = None,
) -> MediaUrlPublic:
    """A short-lived link to one file of one of my completed videos, for players and images."""
    link = await media.issue(user, video_id, variant=variant)
    return MediaUrlPublic(url=MEDIA_PATH + link.token, expires_at=link.expires_at)


@router.head("/media/{token}", include_in_schema=False)
@router.get(
    "/media/{token}",
    response_class=Response,
    responses={
        **CONTENT_RESPONSES,
        403: {"model": ErrorResponse, "description": "Invalid, expired or revoked link"},
    },
)
async def media(
    token: str,
    request: Request,
    media: MediaUrlServiceDep,
    download: Annotated[bool, Query(description="Send as an attachment (save as a file)")] = False,
) -> Response:
    """The file a signed link grants (no bearer token; Range requests supported)."""
    return content_response(await media.open(token), request, attachment=download)
