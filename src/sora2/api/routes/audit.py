"""Admin route: reading the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sora2.api.deps import AdminUserDep, AuditLogDep
from sora2.api.pagination import PageDep
from sora2.api.schemas import ADMIN_ONLY, ERROR_RESPONSES, AuditEntryPublic, AuditPage

router = APIRouter(
    prefix="/audit", tags=["audit (admin)"], responses={**ERROR_RESPONSES, **ADMIN_ONLY}
)


@router.get("")
async def list_audit_entries(
    admin: AdminUserDep,
    audit: AuditLogDep,
    page_params: PageDep,
    action: Annotated[str | None, Query(description="Only this action, e.g. login.failed")] = None,
    user: Annotated[
        str | None, Query(description="Only entries whose actor is this id or name")
    ] = None,
) -> AuditPage:
    """The audit log, newest first: logins, logouts, user changes, deletions (admins only)."""
    page = await audit.page(
        limit=page_params.limit, offset=page_params.offset, action=action, user=user
    )
    return AuditPage(
        entries=[AuditEntryPublic.of(entry) for entry in page.entries],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )
