"""Request and response bodies of the REST API (names: XCreate, XPublic, XPage).

The video and the model on offer are defined once, in `sora2.wire` (routes return those).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sora2.domain import AuditEntry, User
from sora2.services.auth.policy import MAX_LENGTH, MIN_LENGTH
from sora2.services.auth.service import USERNAME_PATTERN
from sora2.services.costs import CostStats
from sora2.wire import ModelPublic

# Query values spelled out, so the schema says which are valid (the services check them too).
VariantName = Literal["video", "thumbnail", "spritesheet"]
StatusFilter = Literal["", "queued", "in_progress", "completed", "failed"]  # "": no filter


class ErrorResponse(BaseModel):
    error: str = Field(examples=["video not found"])


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=128, examples=["admin"])
    password: str = Field(min_length=1, max_length=1024, examples=["admin"])


class UserPublic(BaseModel):
    id: str
    username: str
    is_admin: bool = False
    created_at: int | None = None

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            id=user.id,
            username=user.username,
            is_admin=user.is_admin,
            created_at=int(user.created_at),
        )


class LoginResponse(BaseModel):
    token: str
    user: UserPublic


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class PasswordReset(BaseModel):
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=USERNAME_PATTERN.pattern)
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    is_admin: bool = Field(False, strict=True)


class UserList(BaseModel):
    users: list[UserPublic]


class MediaUrlPublic(BaseModel):
    url: str = Field(
        examples=["/api/media/eyJ1Ijoi...Q"],
        description="A link for <video>/<img> that needs no Authorization header.",
    )
    expires_at: int = Field(description="Unix seconds; ask for a new link after that.")


class RemixRequest(BaseModel):
    prompt: str = Field(min_length=1, max_length=4000, examples=["Change the motorcycle to red"])


class ContinueRequest(BaseModel):
    prompt: str = Field(
        min_length=1, max_length=4000, examples=["The camera follows the boat out to sea"]
    )
    model: str | None = Field(None, description="Default: the source video's model.")
    seconds: str | None = Field(None, examples=["8"], description="Default: the model's.")


class DayCostPublic(BaseModel):
    date: str = Field(examples=["2026-12-01"], description="UTC day.")
    total: float = Field(description="USD.")
    count: int


class CostStatsPublic(BaseModel):
    user_total: float = Field(description="USD spent on my videos (failed ones cost nothing).")
    user_count: int
    platform_total: float | None = Field(None, description="Every user's, for admins only.")
    platform_count: int | None = None
    days: list[DayCostPublic] = Field(description="My spend per UTC day, oldest first.")

    @classmethod
    def of(cls, stats: CostStats) -> CostStatsPublic:
        return cls(
            user_total=stats.user_total,
            user_count=stats.user_count,
            platform_total=stats.platform_total,
            platform_count=stats.platform_count,
            days=[
                DayCostPublic(date=day.date, total=day.total, count=day.count) for day in stats.days
            ],
        )


class WebhookReceipt(BaseModel):
    status: str = Field(
        examples=["accepted"],
        description="accepted (a video was moved on), duplicate (seen before), or ignored.",
    )


class ModelList(BaseModel):
    models: list[ModelPublic]


class AuditEntryPublic(BaseModel):
    id: int
    at: float = Field(description="Unix seconds")
    action: str = Field(examples=["login.failed"])
    actor_id: str | None = Field(description="The acting user (for logins: the named account)")
    actor: str | None = Field(description="Their username (for logins: the name as typed)")
    target: str | None = Field(description="The user or video acted on")
    client: str | None = Field(description="The client's address")
    reason: str | None = Field(examples=["wrong_password"])
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryPublic:
        return cls(
            id=entry.id or 0,
            at=entry.at,
            action=entry.action.value,
            actor_id=entry.actor_id,
            actor=entry.actor_name,
            target=entry.target,
            client=entry.client,
            reason=entry.reason,
            details=entry.details,
        )


class AuditPage(BaseModel):
    entries: list[AuditEntryPublic]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: str
    database: str
    details: dict[str, Any] = Field(default_factory=dict)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        400: "Invalid input",
        401: "Missing, invalid, expired or revoked token",
        404: "Not found (or not yours)",
    }.items()
}

ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorResponse, "description": "Admins only"}
}
