"""The platform's one exception tree. Each leaf maps to exactly one HTTP status (api/errors.py).

Sora2Error (500)
├── InvalidInput (400)            bad field values, unknown model, bad image
│   └── PayloadTooLarge (413)     an upload above the configured cap
├── AuthenticationFailed (401)    missing, invalid, expired or revoked credentials
├── PermissionDenied (403)        the caller's role may not use this route
├── NotFound (404)                missing, or owned by somebody else (ids leak nothing)
├── Conflict (409)                the object exists but is in the wrong state (not ready yet)
├── RateLimited (429)             a per-user limit (videos in progress); retry after `retry_after`
│   └── QuotaExceeded             a per-user spending limit for the day is used up
├── ServiceUnavailable (503)      a dependency is down or busy; try again later
└── ProviderError (502)           the video provider answered with an error
    ├── ProviderUnavailable       5xx, timeouts, connection failures: retryable
    ├── ProviderRateLimited       429: retryable after `retry_after` seconds
    └── ProviderRejected          4xx (and 429 `insufficient_quota`): refused, never retried
"""

from __future__ import annotations


class Sora2Error(Exception):
    """Base of every error the platform raises on purpose."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(Sora2Error):
    status_code = 400


class PayloadTooLarge(InvalidInput):
    status_code = 413


class AuthenticationFailed(Sora2Error):
    status_code = 401


class PermissionDenied(Sora2Error):
    status_code = 403


class NotFound(Sora2Error):
    status_code = 404


class Conflict(Sora2Error):
    status_code = 409


class RateLimited(Sora2Error):
    """The caller asked for more than a per-user limit allows; `retry_after` says when to retry."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExceeded(RateLimited):
    """A spending quota is used up until it resets (`retry_after` seconds from now)."""


class ServiceUnavailable(Sora2Error):
    status_code = 503

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderError(Sora2Error):
    status_code = 502


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or failed on its side; safe to retry a read."""


class ProviderRateLimited(ProviderUnavailable):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """The provider refused the request itself (4xx other than 429); retrying cannot help."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class ProviderNotConfigured(ProviderRejected):
    """A video names a provider this server is not configured with: it cannot be sent anywhere."""
