"""The audit trail's vocabulary: what can be recorded, and one recorded entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGOUT = "logout"
    # By the user, knowing the current one; then by an admin or on the server's command line.
    PASSWORD_CHANGED = "password.changed"  # noqa: S105 - an action name
    PASSWORD_RESET = "password.reset"  # noqa: S105 - an action name
    USER_CREATED = "user.created"
    USER_REMOVED = "user.removed"
    VIDEO_DELETED = "video.deleted"


class LoginFailure(StrEnum):
    """Why a login failed: recorded, never told to the client (the answer stays identical)."""

    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason, not a password
    THROTTLED = "throttled"
    # The right password, but the loopback-only default while the server is exposed.
    DEFAULT_PASSWORD = "default_password"  # noqa: S105 - a reason, not a password


# The failures the login throttle counts; refusals by the throttle itself do not extend it.
COUNTED_FAILURES: tuple[str, ...] = (LoginFailure.UNKNOWN_USER, LoginFailure.WRONG_PASSWORD)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    action: AuditAction
    actor_id: str | None = None  # the acting user; for logins the account the name belongs to
    actor_name: str | None = None
    target: str | None = None  # what was acted on: a user or video id
    client: str | None = None  # the client's address, when the action came over the network
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None  # given by the database
