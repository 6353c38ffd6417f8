"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sora2.api.deps import ContainerDep
from sora2.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(container: ContainerDep) -> JSONResponse:
    """Whether the server and its database answer (503 when the database does not)."""
    try:
        async with container.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure of the database means "not ready"
        body = Health(status="unavailable", database=type(exc).__name__)
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    return JSONResponse(Health(status="ok", database="ok").model_dump())
