"""Files in and out of the tools: first-frame images for `create_video`, and `download_video`,
which saves files where the user says over stdio and hands out links over HTTP."""

from __future__ import annotations

import base64
import binascii
import time
from pathlib import Path
from typing import Annotated, Literal

import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ResourceLink, TextContent
from pydantic import BaseModel, Field

from sora2.mcp.host import host_of, tool_errors

MAX_IMAGE_BASE64_CHARS = 16 * 1024 * 1024
VARIANT_TYPES = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/jpeg"}
VARIANT_EXTENSIONS = {"video": "mp4", "thumbnail": "webp", "spritesheet": "jpg"}

VideoId = Annotated[str, Field(description="The video's id (a UUID, from create_video or list)")]
Variant = Annotated[
    Literal["video", "thumbnail", "spritesheet"],
    Field(description="Which file: the MP4 video, its WebP thumbnail or its JPEG spritesheet"),
]


class Saved(BaseModel):
    """A file written on this machine."""

    path: str = Field(description="Absolute path of the file written")
    bytes: int
    variant: str


# --- downloads ----------------------------------------------------------------------------------


async def download_video_to_path(
    ctx: Context,
    video_id: VideoId,
    path: Annotated[
        str,
        Field(
            description="Where to save it on this machine: an absolute file path (e.g. "
            "~/Videos/lake.mp4) or an existing folder (the file is then <id>.mp4)"
        ),
    ],
    variant: Variant = "video",
) -> Saved:
    """Save one of my completed videos (or its thumbnail or spritesheet) to a file the user
    chose; returns the path written. Missing folders are created."""
    saver = host_of(ctx).saver_for
    assert saver is not None  # registered only when the server runs on the user's machine
    target = await anyio.to_thread.run_sync(_prepare_target, path)
    with tool_errors():
        try:
            written = await saver(ctx.request_context).save(video_id, variant, target)
            size = (await anyio.Path(written).stat()).st_size
        except OSError as exc:
            raise ToolError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return Saved(path=str(written), bytes=size, variant=variant)


def _prepare_target(path: str) -> Path:
    """The absolute path a download goes to, its folder made if missing."""
    target = Path(path).expanduser()
    if not target.is_absolute():
        raise ToolError(
            f"give an absolute path (or one starting with ~), not {path!r}: this server's "
            "working folder is not one the user chose"
        )
    try:
        if not target.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolError(f"cannot create {target.parent}: {exc.strerror or exc}") from exc
    return target.resolve()


async def download_video_link(
    ctx: Context, video_id: VideoId, variant: Variant = "video"
) -> list[TextContent | ResourceLink]:
    """A short-lived download link to one of my completed videos (or its thumbnail or
    spritesheet). The link needs no token; give it to the user, or fetch it before it expires."""
    linker = host_of(ctx).linker_for
    assert linker is not None  # registered only on the platform's HTTP endpoint
    with tool_errors():
        link = await linker(ctx.request_context).link(video_id, variant)
    expires = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(link.expires_at))
    name = f"{video_id}.{VARIANT_EXTENSIONS[variant]}"
    return [
        TextContent(type="text", text=f"Download {name} from {link.url} (valid until {expires})."),
        ResourceLink(
            type="resource_link",
            uri=link.url,
            name=name,
            mime_type=VARIANT_TYPES[variant],
            description=f"The {variant} of video {video_id}; the link expires at {expires}.",
        ),
    ]


async def image_input(ctx: Context, path: str | None, encoded: str | None) -> bytes | None:
    """The first-frame image of `create_video`: a local file (stdio only), or base64."""
    if path is not None and encoded is not None:
        raise ToolError("give image_path or image_base64, not both")
    if path is not None:
        if not host_of(ctx).local_files:
            raise ToolError(
                "image_path names a file on the machine the MCP server runs on, which is not "
                "yours here: send the image as image_base64 instead"
            )
        try:
            return await (await anyio.Path(path).expanduser()).read_bytes()
        except OSError as exc:
            raise ToolError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if encoded is not None:
        return _decode_base64(encoded)
    return None


def _decode_base64(text: str) -> bytes:
    if len(text) > MAX_IMAGE_BASE64_CHARS:
        raise ToolError("image_base64 is too large")
    if text.startswith("data:"):
        _, _, text = text.partition(",")
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ToolError(f"image_base64 is not valid base64: {exc}") from exc
    if not data:
        raise ToolError("image_base64 is empty")
    return data
