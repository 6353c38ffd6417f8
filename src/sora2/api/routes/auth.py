"""Logging in and changing one's own password."""

from __future__ import annotations

from fastapi import APIRouter

from sora2.api.deps import AuthDep, CurrentUserDep
from sora2.api.schemas import (
    ERROR_RESPONSES,
    LoginRequest,
    LoginResponse,
    PasswordChange,
    UserPublic,
)

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/login")
async def login(body: LoginRequest, auth: AuthDep) -> LoginResponse:
    """Exchange a username and password for a bearer token (valid for 7 days by default)."""
    result = await auth.login(username=body.username, password=body.password)
    return LoginResponse(token=result.token, user=UserPublic.of(result.user))


@router.get("/me")
async def me(user: CurrentUserDep) -> UserPublic:
    """The user the token stands for."""
    return UserPublic.of(user)


@router.post("/password")
async def change_password(
    body: PasswordChange, user: CurrentUserDep, auth: AuthDep
) -> LoginResponse:
    """Change my password; every older token stops working and a new one is returned."""
    result = await auth.change_password(user, current=body.current_password, new=body.new_password)
    return LoginResponse(token=result.token, user=UserPublic.of(result.user))
