"""The videos API, exactly as the integration guide documents it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from sora2.api.content import CONTENT_RESPONSES, content_response
from sora2.api.deps import ClientAddressDep, CostServiceDep, CurrentUserDep, VideoServiceDep
from sora2.api.pagination import PageDep
from sora2.api.schemas import (
    ERROR_RESPONSES,
    ContinueRequest,
    CostStatsPublic,
    ErrorResponse,
    RemixRequest,
    StatusFilter,
    VariantName,
)
from sora2.errors import InvalidInput, PayloadTooLarge
from sora2.wire import VideoPage, VideoPublic

# A filter's value: a video id, or empty for no filter (as for `status` and `q`).
UUID_OR_EMPTY: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "format": "uuid"},
        {"type": "string", "maxLength": 0},
        {"type": "null"},
    ]
}

router = APIRouter(prefix="/videos", tags=["videos"], responses=ERROR_RESPONSES)

NOT_READY: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The video is not completed"}
}
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorResponse,
        "description": "A per-user limit (videos in progress, daily spend); see Retry-After",
    }
}


@router.post(
    "",
    status_code=201,
    responses={413: {"model": ErrorResponse, "description": "Upload too large"}, **LIMITED},
)
async def create_video(
    request: Request,
    user: CurrentUserDep,
    videos: VideoServiceDep,
    prompt: Annotated[str, Form(min_length=1, description="What the video shows.")],
    model: Annotated[str | None, Form(description="sora-2 (default) or sora-2-pro")] = None,
    size: Annotated[str | None, Form(description="e.g. 1280x720 (default)")] = None,
    seconds: Annotated[str | None, Form(description="4, 8 (default) or 12")] = None,
    input_reference: Annotated[
        UploadFile | None, File(description="First-frame image: JPEG, PNG or WebP")
    ] = None,
) -> VideoPublic:
    """Create a video job (multipart/form-data or application/x-www-form-urlencoded)."""
    image = await _read_upload(input_reference, limit=videos.upload_limit)
    video = await videos.create(
        user, prompt=prompt, model=model, size=size, seconds=seconds, input_reference=image
    )
    return VideoPublic.of(video)


@router.get("")
async def list_videos(
    user: CurrentUserDep,
    videos: VideoServiceDep,
    page: PageDep,
    status: Annotated[
        StatusFilter | None,
        Query(description="Only this status: queued, in_progress, completed, failed"),
    ] = None,
    q: Annotated[
        str | None, Query(description="Only prompts containing this text (case-insensitive)")
    ] = None,
    remixed_from: Annotated[
        str | None,
        Query(description="Only the remixes of this video id", json_schema_extra=UUID_OR_EMPTY),
    ] = None,
) -> VideoPage:
    """List my videos, newest first, optionally filtered by status, prompt text or source."""
    found = await videos.list(
        user,
        limit=page.limit,
        offset=page.offset,
        status=status,
        query=q,
        remixed_from=remixed_from,
    )
    return VideoPage.of(found.videos, limit=found.limit, offset=found.offset)


# Declared before /{video_id}, which would otherwise take "stats" for an id.
@router.get("/stats/costs")
async def video_costs(
    user: CurrentUserDep,
    costs: CostServiceDep,
    days: Annotated[
        int, Query(ge=1, le=366, description="How many UTC days the breakdown covers")
    ] = 30,
) -> CostStatsPublic:
    """What my videos cost (and the whole platform's, for admins), with a per-day breakdown."""
    return CostStatsPublic.of(await costs.stats(user, days=days))


@router.get("/{video_id}")
async def get_video(video_id: str, user: CurrentUserDep, videos: VideoServiceDep) -> VideoPublic:
    """The current status and details of one of my videos."""
    return VideoPublic.of(await videos.get(user, video_id))


@router.head("/{video_id}/content", include_in_schema=False)
@router.get(
    "/{video_id}/content",
    response_class=Response,
    responses={
        **CONTENT_RESPONSES,
        **NOT_READY,
    },
)
async def download_content(
    video_id: str,
    request: Request,
    user: CurrentUserDep,
    videos: VideoServiceDep,
    variant: Annotated[
        VariantName | None, Query(description="video (default), thumbnail, spritesheet")
    ] = None,
) -> Response:
    """Download the video file, its thumbnail or its spritesheet (Range requests supported)."""
    content = await videos.content(user, video_id, variant=variant)
    return content_response(content, request, attachment=True)


@router.post("/{video_id}/remix", status_code=201, responses={**NOT_READY, **LIMITED})
async def remix_video(
    video_id: str, body: RemixRequest, user: CurrentUserDep, videos: VideoServiceDep
) -> VideoPublic:
    """Create a new video by remixing one of my completed videos with a new prompt."""
    return VideoPublic.of(await videos.remix(user, video_id, prompt=body.prompt))


@router.post("/{video_id}/continue", status_code=201, responses={**NOT_READY, **LIMITED})
async def continue_video(
    video_id: str, body: ContinueRequest, user: CurrentUserDep, videos: VideoServiceDep
) -> VideoPublic:
    """Create a new video that starts from the last frame of one of my completed videos."""
    video = await videos.continue_video(
        user, video_id, prompt=body.prompt, model=body.model, seconds=body.seconds
    )
    return VideoPublic.of(video)


@router.delete("/{video_id}")
async def delete_video(
    video_id: str, user: CurrentUserDep, videos: VideoServiceDep, client: ClientAddressDep
) -> dict[str, object]:
    """Delete one of my videos: its row, its files and the provider's copy."""
    await videos.delete(user, video_id, client=client)
    return {"id": video_id, "deleted": True}


async def _read_upload(upload: UploadFile | str | None, *, limit: int) -> bytes | None:
    """The uploaded image's bytes, refusing more than `limit` without reading it all."""
    if upload is None or isinstance(upload, str):
        if isinstance(upload, str) and upload:
            raise InvalidInput("input_reference must be sent as a file (multipart/form-data)")
        return None
    try:
        data = await upload.read(limit + 1)
    finally:
        await upload.close()
    if len(data) > limit:
        raise PayloadTooLarge(f"input_reference is larger than {limit // (1024 * 1024)} MiB")
    return data or None
