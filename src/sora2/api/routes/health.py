"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from sora2.api.deps import ContainerDep
from sora2.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(container: ContainerDep) -> JSONResponse:
    """Whether the server and its database answer (503 when the database does not)."""
    report = await container.health.report()
    database = report.checks.get("database", "ok")
    if not report.ok:
        body = Health(status="unavailable", database=database)
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    return JSONResponse(Health(status="ok", database=database).model_dump())
