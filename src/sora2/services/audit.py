"""The audit log: every entry goes to the `audit_log` table and, as one JSON line, to the
`sora2.audit` logger (for log shippers). Admins read it with `GET /api/audit`."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sora2.domain import AuditAction, AuditEntry, User
from sora2.errors import InvalidInput
from sora2.ports import AuditRepository, Clock

log = logging.getLogger("sora2.audit")


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: Sequence[AuditEntry]
    total: int
    limit: int
    offset: int


class AuditLog:
    def __init__(
        self,
        *,
        repository: AuditRepository,
        page_size_max: int,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._page_size_max = page_size_max
        self._clock = clock

    async def record(
        self,
        action: AuditAction,
        *,
        actor: User | None = None,
        actor_name: str | None = None,
        target: str | None = None,
        client: str | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Append an entry; `actor_name` defaults to the actor's username."""
        if actor_name is None and actor is not None:
            actor_name = actor.username
        entry = await self._repository.add(
            AuditEntry(
                at=self._clock.now(),
                action=action,
                actor_id=actor.id if actor else None,
                actor_name=actor_name,
                target=target,
                client=client,
                reason=reason,
                details=details or {},
            )
        )
        log.info("%s", audit_line(entry))
        return entry

    async def page(
        self,
        *,
        limit: int = 50,
        offset: int = 0,
        action: str | None = None,
        user: str | None = None,
    ) -> AuditPage:
        """Newest first; `limit` is capped at the page size limit, `user` is an id or a name."""
        if limit < 1 or offset < 0:
            raise InvalidInput("limit must be at least 1 and offset at least 0")
        limit = min(limit, self._page_size_max)
        entries, total = await self._repository.page(
            limit=limit, offset=offset, action=_action(action), user=user or None
        )
        return AuditPage(entries=entries, total=total, limit=limit, offset=offset)


def _action(name: str | None) -> AuditAction | None:
    if not name:
        return None
    try:
        return AuditAction(name)
    except ValueError:
        known = ", ".join(action.value for action in AuditAction)
        raise InvalidInput(f"unknown action {name!r}; one of: {known}") from None


def audit_line(entry: AuditEntry) -> str:
    """One entry as one line of JSON; empty fields left out."""
    fields: dict[str, Any] = {
        "event": "audit",
        "id": entry.id,
        "at": round(entry.at, 3),
        "action": entry.action.value,
        "actor_id": entry.actor_id,
        "actor": entry.actor_name,
        "target": entry.target,
        "client": entry.client,
        "reason": entry.reason,
    }
    if entry.details:
        fields["details"] = entry.details
    return json.dumps({k: v for k, v in fields.items() if v is not None}, sort_keys=False)
