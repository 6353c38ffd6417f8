"""The Python SDK of the Sora2 platform: `Sora2Client` (sync) and `AsyncSora2Client` (asyncio).

    from sora2.client import Sora2Client

    client = Sora2Client("http://localhost:3000", "admin", "admin")
    video = client.create_video("A serene lake at sunset", model="sora-2-pro")
    client.wait_for_completion(video.id)          # live over Socket.IO, polling as a fallback
    client.download_video(video.id, "output.mp4")

It keeps the method names of the integration guide's example client (and its results read like
its dicts: `video["id"]`), and adds typed results, one exception tree (`Sora2Error`), token
refresh, timeouts, atomic streamed downloads and live updates. See docs/sdk.md.
"""

from sora2.client._async import AsyncSora2Client
from sora2.client._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    Sora2Error,
    ValidationError,
    VideoFailedError,
    WaitTimeoutError,
)
from sora2.client._models import Model, User, Video, VideoPage, VideoStatus
from sora2.client._sync import Sora2Client

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncSora2Client",
    "AuthenticationError",
    "ConflictError",
    "Model",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "Sora2Client",
    "Sora2Error",
    "User",
    "ValidationError",
    "Video",
    "VideoFailedError",
    "VideoPage",
    "VideoStatus",
    "WaitTimeoutError",
]
