"""Logging in and out, and changing one's own password."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from sora2.api.deps import AuthDep, ClientAddressDep, CurrentUserDep
from sora2.api.schemas import (
    ERROR_RESPONSES,
    ErrorResponse,
    LoginRequest,
    LoginResponse,
    PasswordChange,
    UserPublic,
)

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)

THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {"model": ErrorResponse, "description": "Too many failed logins; see Retry-After"}
}


@router.post("/login", responses=THROTTLED)
async def login(body: LoginRequest, auth: AuthDep, client: ClientAddressDep) -> LoginResponse:
    """Exchange a username and password for a bearer token (valid for 7 days by default)."""
    result = await auth.login(username=body.username, password=body.password, client=client)
    return LoginResponse(token=result.token, user=UserPublic.of(result.user))


@router.post("/logout", status_code=204)
async def logout(user: CurrentUserDep, auth: AuthDep, client: ClientAddressDep) -> Response:
    """Log out everywhere: every token of mine stops working and my live sockets are closed."""
    await auth.logout(user, client=client)
    return Response(status_code=204)


@router.get("/me")
async def me(user: CurrentUserDep) -> UserPublic:
    """The user the token stands for."""
    return UserPublic.of(user)


@router.post("/password", responses=THROTTLED)
async def change_password(
    body: PasswordChange, user: CurrentUserDep, auth: AuthDep, client: ClientAddressDep
) -> LoginResponse:
    """Change my password; every older token stops working and a new one is returned. A wrong
    current password counts as a failed login (the login throttle applies)."""
    result = await auth.change_password(
        user, current=body.current_password, new=body.new_password, client=client
    )
    return LoginResponse(token=result.token, user=UserPublic.of(result.user))
