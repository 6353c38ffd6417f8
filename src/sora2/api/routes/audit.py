"""Admin route: reading the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sora2.api.deps import AdminUserDep, AuditLogDep
from sora2.api.pagination import MAX_OFFSET
from sora2.api.schemas import ADMIN_ONLY, ERROR_RESPONSES, AuditEntryPublic, AuditPage

router = APIRouter(
    prefix="/audit", tags=["audit (admin)"], responses={**ERROR_RESPONSES, **ADMIN_ONLY}
)


@router.get("")
async def list_audit_entries(
    admin: AdminUserDep,
    audit: AuditLogDep,
    limit: Annotated[
        int, Query(ge=1, description="Max entries (capped at SORA2_PAGE_SIZE_MAX)")
    ] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Pagination offset")] = 0,
    action: Annotated[str | None, Query(description="Only this action, e.g. login.failed")] = None,
    user: Annotated[
        str | None, Query(description="Only entries whose actor is this id or name")
    ] = None,
) -> AuditPage:
    """The audit log, newest first: logins, logouts, user changes, deletions (admins only)."""
    page = await audit.page(limit=limit, offset=offset, action=action, user=user)
    return AuditPage(
        entries=[AuditEntryPublic.of(entry) for entry in page.entries],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
