"""Pure domain types: no I/O, no framework imports."""

from sora2.domain.catalogue import CATALOGUE, ModelSpec, validate_request
from sora2.domain.user import User
from sora2.domain.video import (
    ACTIVE,
    TERMINAL,
    Asset,
    Video,
    VideoStatus,
    can_transition,
    predecessors,
    public_view,
)

__all__ = [
    "ACTIVE",
    "CATALOGUE",
    "TERMINAL",
    "Asset",
    "ModelSpec",
    "User",
    "Video",
    "VideoStatus",
    "can_transition",
    "predecessors",
    "public_view",
    "validate_request",
]
