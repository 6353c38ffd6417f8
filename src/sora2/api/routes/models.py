"""The model catalogue, for building pickers."""

from __future__ import annotations

from fastapi import APIRouter

from sora2.api.deps import CurrentUserDep
from sora2.api.schemas import ERROR_RESPONSES, ModelList, ModelPublic
from sora2.domain import CATALOGUE

router = APIRouter(prefix="/models", tags=["models"], responses=ERROR_RESPONSES)


@router.get("")
async def list_models(user: CurrentUserDep) -> ModelList:
    """The models on offer, with their allowed sizes, durations and prices."""
    return ModelList(models=[ModelPublic.of(spec) for spec in CATALOGUE.values()])
