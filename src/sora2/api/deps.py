"""Dependencies of the routes, as `Annotated` aliases: `ContainerDep`, `CurrentUserDep`, ..."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sora2.container import Container
from sora2.domain import Catalogue, User
from sora2.errors import AuthenticationFailed, PermissionDenied
from sora2.services.audit import AuditLog
from sora2.services.auth import AuthService
from sora2.services.costs import CostService
from sora2.services.media_urls import MediaUrlService
from sora2.services.users import UserAdmin
from sora2.services.videos import VideoService

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/auth/login")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_auth(container: ContainerDep) -> AuthService:
    return container.auth


def get_videos(container: ContainerDep) -> VideoService:
    return container.videos


def get_user_admin(container: ContainerDep) -> UserAdmin:
    return container.users


def get_media_urls(container: ContainerDep) -> MediaUrlService:
    return container.media_urls


def get_audit(container: ContainerDep) -> AuditLog:
    return container.audit


def get_client_address(request: Request) -> str | None:
    """The client's address, as uvicorn reports it (it applies trusted proxy headers)."""
    return request.client.host if request.client else None


def get_catalogue(container: ContainerDep) -> Catalogue:
    return container.catalogue


def get_costs(container: ContainerDep) -> CostService:
    return container.costs


AuthDep = Annotated[AuthService, Depends(get_auth)]
VideoServiceDep = Annotated[VideoService, Depends(get_videos)]
UserAdminDep = Annotated[UserAdmin, Depends(get_user_admin)]
MediaUrlServiceDep = Annotated[MediaUrlService, Depends(get_media_urls)]
CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]
AuditLogDep = Annotated[AuditLog, Depends(get_audit)]
ClientAddressDep = Annotated[str | None, Depends(get_client_address)]
CostServiceDep = Annotated[CostService, Depends(get_costs)]


async def get_current_user(
    auth: AuthDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or not credentials.credentials:
        raise AuthenticationFailed("missing bearer token; log in at POST /api/auth/login")
    return await auth.authenticate(credentials.credentials)


CurrentUserDep = Annotated[User, Depends(get_current_user)]


async def get_admin_user(user: CurrentUserDep) -> User:
    if not user.is_admin:
        raise PermissionDenied("this route is for admins only")
    return user


AdminUserDep = Annotated[User, Depends(get_admin_user)]
