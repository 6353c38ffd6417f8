"""Pure domain types: no I/O, no framework imports."""

from sora2.domain.audit import COUNTED_FAILURES, AuditAction, AuditEntry, LoginFailure
from sora2.domain.catalogue import (
    Catalogue,
    CatalogueError,
    ModelSpec,
    RemixMode,
    ValidRequest,
    parse_catalogue,
)
from sora2.domain.user import User
from sora2.domain.video import (
    ACTIVE,
    TERMINAL,
    Asset,
    Video,
    VideoStatus,
    can_transition,
    predecessors,
)

__all__ = [
    "ACTIVE",
    "COUNTED_FAILURES",
    "TERMINAL",
    "Asset",
    "AuditAction",
    "AuditEntry",
    "Catalogue",
    "CatalogueError",
    "LoginFailure",
    "ModelSpec",
    "RemixMode",
    "User",
    "ValidRequest",
    "Video",
    "VideoStatus",
    "can_transition",
    "parse_catalogue",
    "predecessors",
]
