"""The MCP tools: written once, for both transports, against the `VideoBackend` port.

Each takes the calling user's backend from the request (`backend_of(ctx)`), so every call is
scoped to that user. A failure the user should read (not found, not ready, invalid input, a
limit, the platform unreachable) comes back as a tool error with the platform's own message.
"""

from __future__ import annotations

import base64
import time
from contextlib import aclosing
from pathlib import Path
from typing import Annotated, Literal

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ImageContent, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from sora2.client import Model, Video
from sora2.mcp import frames
from sora2.mcp.files import VideoId, download_video_link, download_video_to_path, image_input
from sora2.mcp.host import backend_of, tool_errors

DEFAULT_WAIT_SECONDS = 50.0  # under the 60 s many MCP clients allow one tool call by default
MAX_WAIT_SECONDS = 240.0
MAX_FRAMES = 8

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
MAKES_VIDEOS = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)


class WaitResult(BaseModel):
    """Where a video stands after waiting."""

    video: Video
    finished: bool = Field(description="True once the video is completed or failed")
    waited_seconds: float
    next_step: str = Field(description="What to do now")


class VideoList(BaseModel):
    """One page of my videos, newest first."""

    videos: list[Video]
    limit: int
    offset: int
    next_offset: int | None = Field(description="Pass as offset for the next page; null: no more")


class ModelList(BaseModel):
    """The models on offer. `price_per_second` is in USD per second of video, by size."""

    models: list[Model]


class Deleted(BaseModel):
    id: str
    deleted: bool = True


# --- making videos ------------------------------------------------------------------------------


async def create_video(
    ctx: Context,
    prompt: Annotated[str, Field(description="What the video shows: subject, action, setting")],
    model: Annotated[
        str | None, Field(description="A model id from list_models (default: sora-2)")
    ] = None,
    size: Annotated[
        str | None, Field(description="WIDTHxHEIGHT, one the model offers (default: the model's)")
    ] = None,
    seconds: Annotated[
        int | None, Field(description="Length in seconds, one the model offers, e.g. 4, 8 or 12")
    ] = None,
    image_path: Annotated[
        str | None,
        Field(
            description="First-frame image (JPEG, PNG or WebP): a file on the machine this MCP "
            "server runs on (stdio only)"
        ),
    ] = None,
    image_base64: Annotated[
        str | None,
        Field(description="First-frame image as base64 (or a data: URL), instead of a path"),
    ] = None,
) -> Video:
    """Start making a video from a text prompt, optionally from a first-frame image.

    Returns at once with the new video's id and status `queued`: a video takes minutes to make.
    Then call wait_for_video with the id (again, until it is finished), and get_video_frames to
    look at it. list_models tells the models, sizes, lengths and prices."""
    image = await image_input(ctx, image_path, image_base64)
    with tool_errors():
        return await backend_of(ctx).create_video(
            prompt=prompt,
            model=model,
            size=size,
            seconds=None if seconds is None else str(seconds),
            image=image,
        )


async def remix_video(
    ctx: Context,
    video_id: VideoId,
    prompt: Annotated[str, Field(description="What to change, e.g. 'make the car red'")],
) -> Video:
    """Make a new video from one of my completed videos and a prompt saying what to change.

    Returns at once with the new video (its `remixed_from` is the source); wait for it with
    wait_for_video like any new video."""
    with tool_errors():
        return await backend_of(ctx).remix_video(video_id, prompt=prompt)


async def wait_for_video(
    ctx: Context,
    video_id: VideoId,
    timeout_seconds: Annotated[
        float,
        Field(
            ge=1,
            le=MAX_WAIT_SECONDS,
            description=f"How long to wait at most (default {DEFAULT_WAIT_SECONDS:g})",
        ),
    ] = DEFAULT_WAIT_SECONDS,
) -> WaitResult:
    """Wait until a video is completed or failed, or until timeout_seconds pass, reporting
    progress meanwhile; returns its state either way.

    If it is not finished yet, call wait_for_video again. Once completed, look at it with
    get_video_frames."""
    backend = backend_of(ctx)
    started = time.monotonic()
    video: Video | None = None
    reported = -1
    with tool_errors():
        async with aclosing(backend.watch(video_id, max_seconds=timeout_seconds)) as states:
            async for video in states:
                # MCP progress must increase from one notification to the next.
                if video.progress > reported:
                    reported = video.progress
                    message = f"{_status(video)} {video.progress}%"
                    await ctx.report_progress(video.progress, 100, message)
        if video is None:  # the watch gave up before its first read
            video = await backend.get_video(video_id)
    return WaitResult(
        video=video,
        finished=video.is_finished,
        waited_seconds=round(time.monotonic() - started, 1),
        next_step=_next_step(video),
    )


def _status(video: Video) -> str:
    return str(video.status).replace("_", " ")


def _next_step(video: Video) -> str:
    if video.is_completed:
        return (
            "The video is ready: look at it with get_video_frames, save it with "
            "download_video, or change it with remix_video."
        )
    if video.is_failed:
        reason = video.error_message or "no reason given"
        return f"The video failed ({reason}). Try create_video again, perhaps with another prompt."
    return (
        f"Still {_status(video)} at {video.progress}%: call wait_for_video again to keep waiting."
    )


# --- reading ------------------------------------------------------------------------------------


async def get_video(ctx: Context, video_id: VideoId) -> Video:
    """The current state of one of my videos: status, progress, prompt, model, size, length,
    cost, and the error message if it failed."""
    with tool_errors():
        return await backend_of(ctx).get_video(video_id)


async def list_videos(
    ctx: Context,
    limit: Annotated[int, Field(ge=1, le=100, description="How many videos")] = 20,
    offset: Annotated[int, Field(ge=0, description="How many of the newest to skip")] = 0,
    status: Annotated[
        Literal["queued", "in_progress", "completed", "failed"] | None,
        Field(description="Only videos with this status"),
    ] = None,
    query: Annotated[
        str | None, Field(description="Only videos whose prompt contains this text")
    ] = None,
) -> VideoList:
    """List my videos, newest first, one page at a time (next_offset gives the next page)."""
    with tool_errors():
        page = await backend_of(ctx).list_videos(
            limit=limit, offset=offset, status=status, query=query
        )
    more = len(page.videos) >= page.limit
    return VideoList(
        videos=page.videos,
        limit=page.limit,
        offset=page.offset,
        next_offset=page.offset + len(page.videos) if more else None,
    )


async def list_models(ctx: Context) -> ModelList:
    """The models on offer, with their sizes, lengths (seconds) and prices (USD per second of
    video, by size)."""
    with tool_errors():
        return ModelList(models=await backend_of(ctx).models())


async def delete_video(ctx: Context, video_id: VideoId) -> Deleted:
    """Delete one of my videos and its files, for good."""
    with tool_errors():
        await backend_of(ctx).delete_video(video_id)
    return Deleted(id=video_id)


async def get_video_frames(
    ctx: Context,
    video_id: VideoId,
    count: Annotated[
        int, Field(ge=1, le=MAX_FRAMES, description="How many frames (source 'frames')")
    ] = 4,
    source: Annotated[
        Literal["frames", "thumbnail", "spritesheet"],
        Field(
            description="'frames': stills spread over the video; 'thumbnail': its middle frame; "
            "'spritesheet': 10 small frames on one image"
        ),
    ] = "frames",
) -> list[TextContent | ImageContent]:
    """Look at one of my completed videos: a few of its frames (or its thumbnail, or its
    spritesheet) as images, with where in the video each frame is."""
    backend = backend_of(ctx)
    with tool_errors():
        if source == "frames":
            async with backend.local_file(video_id, "video") as path:
                stills = await anyio.to_thread.run_sync(_sample, path, count)
            where = ", ".join(f"{still.seconds:g} s" for still in stills)
            text = f"{len(stills)} frame(s) of video {video_id}, at {where}."
            images = [_jpeg_content(still.jpeg) for still in stills]
        else:
            width = frames.MAX_WIDTH if source == "thumbnail" else 1280
            async with backend.local_file(video_id, source) as path:
                data = await anyio.Path(path).read_bytes()
            jpeg, w, h = await anyio.to_thread.run_sync(_to_jpeg, data, width)
            text = f"The {source} of video {video_id} ({w}x{h})."
            images = [_jpeg_content(jpeg)]
    return [TextContent(type="text", text=text), *images]


def _sample(path: Path, count: int) -> list[frames.Still]:
    try:
        return frames.sample_frames(path, count=count)
    except frames.UnreadableVideo as exc:
        raise ToolError(f"the video could not be read: {exc}") from exc


def _to_jpeg(data: bytes, width: int) -> tuple[bytes, int, int]:
    try:
        return frames.to_jpeg(data, max_width=width)
    except OSError as exc:
        raise ToolError(f"the image could not be read: {exc}") from exc


def _jpeg_content(data: bytes) -> ImageContent:
    return ImageContent(
        type="image", data=base64.b64encode(data).decode("ascii"), mime_type="image/jpeg"
    )


def register_tools(server: MCPServer, *, local_files: bool) -> None:
    """Add every tool to `server`; `download_video` saves files (stdio) or hands out links."""
    server.add_tool(create_video, annotations=MAKES_VIDEOS)
    server.add_tool(wait_for_video, annotations=READ_ONLY)
    server.add_tool(get_video, annotations=READ_ONLY)
    server.add_tool(list_videos, annotations=READ_ONLY)
    server.add_tool(remix_video, annotations=MAKES_VIDEOS)
    server.add_tool(
        delete_video,
        annotations=ToolAnnotations(destructive_hint=True, idempotent_hint=True),
    )
    server.add_tool(list_models, annotations=READ_ONLY)
    server.add_tool(get_video_frames, annotations=READ_ONLY)
    if local_files:
        server.add_tool(
            download_video_to_path,
            name="download_video",
            annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False),
        )
    else:
        server.add_tool(download_video_link, name="download_video", annotations=READ_ONLY)
