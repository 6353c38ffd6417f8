"""Dependencies of the routes, as `Annotated` aliases: `ContainerDep`, `CurrentUserDep`, ..."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sora2.container import Container
from sora2.domain import Catalogue, User
from sora2.errors import AuthenticationFailed, PermissionDenied
from sora2.services.audit import AuditLog
from sora2.services.auth.service import AuthService
from sora2.services.costs import CostService
from sora2.services.media.links import MediaUrlService
from sora2.services.users import UserAdmin
from sora2.services.videos import VideoService

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/auth/login")

# The providers below are `async def` although they never await: FastAPI runs a plain `def`
# dependency in a worker thread, and those thread hops were a large part of a request's cost.
# Each reads the container from the request itself rather than through `ContainerDep`: every
# node of the dependency graph costs FastAPI some work on every request.


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def get_container(request: Request) -> Container:
    return container_of(request)


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_auth(request: Request) -> AuthService:
    return container_of(request).auth


async def get_videos(request: Request) -> VideoService:
    return container_of(request).videos


async def get_user_admin(request: Request) -> UserAdmin:
    return container_of(request).users


async def get_media_urls(request: Request) -> MediaUrlService:
    return container_of(request).media_urls


async def get_audit(request: Request) -> AuditLog:
    return container_of(request).audit


async def get_client_address(request: Request) -> str | None:
    """The client's address, as uvicorn reports it (it applies trusted proxy headers)."""
    return request.client.host if request.client else None


async def get_catalogue(request: Request) -> Catalogue:
    return container_of(request).catalogue


async def get_costs(request: Request) -> CostService:
    return container_of(request).costs


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
