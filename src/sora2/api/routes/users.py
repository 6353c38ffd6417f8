"""Admin routes: managing the platform's users."""

from __future__ import annotations

from fastapi import APIRouter, Response

from sora2.api.deps import AdminUserDep, AuthDep, ClientAddressDep, UserAdminDep
from sora2.api.schemas import (
    ADMIN_ONLY,
    ERROR_RESPONSES,
    ErrorResponse,
    PasswordReset,
    UserCreate,
    UserList,
    UserPublic,
)

router = APIRouter(
    prefix="/users", tags=["users (admin)"], responses={**ERROR_RESPONSES, **ADMIN_ONLY}
)


@router.get("")
async def list_users(admin: AdminUserDep, auth: AuthDep) -> UserList:
    """List every user (admins only)."""
    return UserList(users=[UserPublic.of(user) for user in await auth.list_users()])


@router.post(
    "",
    status_code=201,
    responses={409: {"model": ErrorResponse, "description": "The username is taken"}},
)
async def add_user(
    body: UserCreate, admin: AdminUserDep, auth: AuthDep, client: ClientAddressDep
) -> UserPublic:
    """Add a user (admins only)."""
    user = await auth.add_user(
        username=body.username,
        password=body.password,
        is_admin=body.is_admin,
        actor=admin,
        client=client,
    )
    return UserPublic.of(user)


@router.put("/{user_id}/password", status_code=204)
async def reset_password(
    user_id: str,
    body: PasswordReset,
    admin: AdminUserDep,
    auth: AuthDep,
    client: ClientAddressDep,
) -> Response:
    """Set another user's password (admins only); their existing tokens stop working."""
    await auth.set_password(user_id=user_id, password=body.password, actor=admin, client=client)
    return Response(status_code=204)


@router.delete(
    "/{user_id}",
    status_code=204,
    responses={409: {"model": ErrorResponse, "description": "An admin cannot remove themselves"}},
)
async def remove_user(
    user_id: str, admin: AdminUserDep, users: UserAdminDep, client: ClientAddressDep
) -> Response:
    """Remove a user and every video they made (admins only)."""
    await users.remove(user_id=user_id, actor=admin, client=client)
    return Response(status_code=204)
