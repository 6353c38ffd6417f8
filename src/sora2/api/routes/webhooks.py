"""Webhooks from providers: signed by them, so no bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request

from sora2.api.deps import ContainerDep
from sora2.api.schemas import ErrorResponse, WebhookReceipt
from sora2.errors import NotFound

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post(
    "/openai",
    responses={
        400: {"model": ErrorResponse, "description": "Bad signature, stale or malformed"},
        404: {"model": ErrorResponse, "description": "Webhooks are not configured"},
    },
)
async def openai_webhook(request: Request, container: ContainerDep) -> WebhookReceipt:
    """Receive the `openai` provider's video.completed / video.failed (Standard Webhooks)."""
    service = container.webhooks.get("openai")
    if service is None:
        raise NotFound("webhooks are not configured (set SORA2_OPENAI_WEBHOOK_SECRET)")
    outcome = await service.receive(await request.body(), request.headers)
    return WebhookReceipt(status=outcome.value)
