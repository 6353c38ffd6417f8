"""The SDK's one exception tree. Catch `Sora2Error` to catch them all.

Sora2Error
├── APIConnectionError (ConnectionError)   the server could not be reached, or the transfer broke
│   └── APITimeoutError (TimeoutError)     a request took longer than the client's timeout
├── APIStatusError                         the server answered with an error status
│   ├── ValidationError                    400 invalid input, 413 upload too large
│   ├── AuthenticationError                401 bad login, missing/expired/revoked token
│   ├── PermissionDeniedError              403
│   ├── NotFoundError                      404 (another user's video is answered like a missing one)
│   ├── ConflictError                      409 not in the right state yet (content of an unfinished
│   │                                      video, remix of one), or a name is taken
│   ├── RateLimitError                     429, with `retry_after` seconds
│   └── ServerError                        5xx, with `retry_after` seconds on 503
├── VideoFailedError                       a video ended `failed`: carries the video and the reason
└── WaitTimeoutError (TimeoutError)        waiting for a video took longer than asked
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from sora2.client._models import Video

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "Sora2Error",
    "ValidationError",
    "VideoFailedError",
    "WaitTimeoutError",
]


class Sora2Error(Exception):
    """Base of every error the SDK raises; `message` is a readable one-line reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIConnectionError(Sora2Error, ConnectionError):
    """The server could not be reached, or the connection broke during a transfer."""


class APITimeoutError(APIConnectionError, TimeoutError):
    """A request took longer than the client's timeout."""


class APIStatusError(Sora2Error):
    """The server answered with an error status; `message` is its `{"error": ...}` text."""

    status_code: int = 0

    def __init__(self, message: str, *, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response
        if response is not None:
            self.status_code = response.status_code


class ValidationError(APIStatusError):
    """400 (invalid input) or 413 (upload too large)."""

    status_code = 400


class AuthenticationError(APIStatusError):
    """401: a bad login, or a missing, expired or revoked token."""

    status_code = 401


class PermissionDeniedError(APIStatusError):
    """403: the route is not for this user."""

    status_code = 403


class NotFoundError(APIStatusError):
    """404: no such video (or not one of mine), or no such route."""

    status_code = 404


class ConflictError(APIStatusError):
    """409: the object is not in the right state (e.g. the content of an unfinished video)."""

    status_code = 409


class _RetryableStatusError(APIStatusError):
    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, response=response)
        self.retry_after = retry_after


class RateLimitError(_RetryableStatusError):
    """429: too many requests; try again after `retry_after` seconds (None if not said)."""

    status_code = 429


class ServerError(_RetryableStatusError):
    """5xx: the server failed or is busy (503 comes with `retry_after`)."""

    status_code = 500


class VideoFailedError(Sora2Error):
    """A video ended `failed`; `video` is its final state, `error_message` the reason."""

    def __init__(self, video: Video) -> None:
        self.video = video
        self.error_message = video.error_message
        super().__init__(f"video {video.id} failed: {video.error_message or 'no reason given'}")


class WaitTimeoutError(Sora2Error, TimeoutError):
    """A video did not finish within the time the caller allowed."""
