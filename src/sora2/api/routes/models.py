"""The model catalogue, for building pickers."""

from __future__ import annotations

from fastapi import APIRouter

from sora2.api.deps import CatalogueDep, CurrentUserDep
from sora2.api.schemas import ERROR_RESPONSES, ModelList
from sora2.wire import ModelPublic

router = APIRouter(prefix="/models", tags=["models"], responses=ERROR_RESPONSES)


@router.get("")
async def list_models(user: CurrentUserDep, catalogue: CatalogueDep) -> ModelList:
    """The models on offer (those whose provider is configured), with sizes, durations, prices."""
    return ModelList(models=[ModelPublic.of(spec) for spec in catalogue])
