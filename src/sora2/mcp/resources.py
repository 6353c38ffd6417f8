"""MCP resources (each video's metadata and thumbnail) and the "make a short video" prompt."""

from __future__ import annotations

import json
from typing import Annotated

import anyio
from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from sora2.mcp.host import backend_of, resource_errors

VIDEO_URI = "video://{video_id}"
THUMBNAIL_URI = "video://{video_id}/thumbnail"


async def video_metadata(video_id: str, ctx: Context) -> str:
    """One of my videos: the JSON the REST API returns for it."""
    with resource_errors():
        video = await backend_of(ctx).get_video(video_id)
    return json.dumps(video.to_dict(), indent=2)


async def video_thumbnail(video_id: str, ctx: Context) -> bytes:
    """The thumbnail of one of my completed videos (its middle frame, WebP)."""
    with resource_errors():
        async with backend_of(ctx).local_file(video_id, "thumbnail") as path:
            return await anyio.Path(path).read_bytes()


def make_short_video(
    topic: Annotated[str, Field(description="What the video is about")],
    seconds: Annotated[str, Field(description="Length in seconds (4, 8 or 12)")] = "4",
) -> str:
    """Make a short video about a topic: create it, wait for it, then look at it."""
    return f"""Make a short video about: {topic}

1. Call list_models and pick a model; mention its price for a {seconds}-second video.
2. Write a vivid, concrete prompt (subject, action, setting, camera, light) and call
   create_video with it and seconds={seconds}. It returns at once with the video's id.
3. Call wait_for_video with that id. If it is not finished, call it again until it is
   completed or failed (each call waits up to a minute and reports progress).
4. If it failed, say why (error_message) and offer to try again with another prompt.
5. Once completed, call get_video_frames to look at it, and tell me in a few sentences what
   the video shows and how well it matches the topic.
6. Offer to save it with download_video, or to change it with remix_video."""


def register_resources(server: MCPServer) -> None:
    # The more specific template first: `video://{video_id}` must not take ".../thumbnail".
    server.resource(
        THUMBNAIL_URI,
        name="video_thumbnail",
        title="Video thumbnail",
        description="The thumbnail (middle frame, WebP) of one of my completed videos.",
        mime_type="image/webp",
    )(video_thumbnail)
    server.resource(
        VIDEO_URI,
        name="video",
        title="Video",
        description="One of my videos: status, progress, prompt, model, size, length, cost.",
        mime_type="application/json",
    )(video_metadata)
    server.prompt(name="make_short_video", title="Make a short video")(make_short_video)
