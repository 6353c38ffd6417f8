"""`AuditRepository` on SQLAlchemy Core: an append-only trail, read newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from sora2.db._sql import Sql
from sora2.db.tables import audit_log
from sora2.domain import COUNTED_FAILURES, AuditAction, AuditEntry

_FAILED = AuditAction.LOGIN_FAILED.value
_SUCCEEDED = AuditAction.LOGIN_SUCCEEDED.value


class SqlAuditRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self._sql = Sql(engine)

    async def add(self, entry: AuditEntry) -> AuditEntry:
        statement = (
            sa.insert(audit_log)
            .values(
                at=entry.at,
                action=entry.action.value,
                actor_id=entry.actor_id,
                actor_name=_clip(entry.actor_name, 150),
                target=_clip(entry.target, 255),
                client=_clip(entry.client, 64),
                reason=entry.reason,
                details=entry.details,
            )
            .returning(audit_log.c.id)
        )
        rows = await self._sql.write(statement)
        return _with_id(entry, int(rows[0][0]))

    async def page(
        self,
        *,
        limit: int,
        offset: int,
        action: AuditAction | None = None,
        user: str | None = None,
    ) -> tuple[Sequence[AuditEntry], int]:
        conditions: list[sa.ColumnElement[bool]] = []
        if action is not None:
            conditions.append(audit_log.c.action == action.value)
        if user is not None:
            conditions.append(
                sa.or_(
                    audit_log.c.actor_id == user,
                    sa.func.lower(audit_log.c.actor_name) == user.strip().lower(),
                )
            )
        where = sa.and_(sa.true(), *conditions)
        rows = await self._sql.read(
            sa.select(audit_log)
            .where(where)
            .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        total = await self._sql.read(sa.select(sa.func.count()).select_from(audit_log).where(where))
        return [_entry(row._mapping) for row in rows], int(total[0][0])

    async def recent_failures(
        self, *, since: float, limit: int, username: str | None = None, client: str | None = None
    ) -> Sequence[float]:
        failed = sa.and_(
            audit_log.c.action == _FAILED,
            audit_log.c.reason.in_(COUNTED_FAILURES),
            audit_log.c.at > since,
        )
        if username is not None:
            # A successful login for the name wipes the slate for that name.
            last_success = (
                sa.select(sa.func.max(audit_log.c.at))
                .where(audit_log.c.action == _SUCCEEDED, audit_log.c.actor_name == username)
                .scalar_subquery()
            )
            condition = sa.and_(
                failed,
                audit_log.c.actor_name == username,
                audit_log.c.at > sa.func.coalesce(last_success, 0.0),
            )
        elif client is not None:
            condition = sa.and_(failed, audit_log.c.client == client)
        else:
            return []
        rows = await self._sql.read(
            sa.select(audit_log.c.at).where(condition).order_by(audit_log.c.at.desc()).limit(limit)
        )
        return [float(row[0]) for row in rows]


def _clip(value: str | None, length: int) -> str | None:
    return value if value is None or len(value) <= length else value[:length]


def _with_id(entry: AuditEntry, entry_id: int) -> AuditEntry:
    return AuditEntry(
        at=entry.at,
        action=entry.action,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        target=entry.target,
        client=entry.client,
        reason=entry.reason,
        details=entry.details,
        id=entry_id,
    )


def _entry(m: Any) -> AuditEntry:
    return AuditEntry(
        id=int(m["id"]),
        at=float(m["at"]),
        action=AuditAction(m["action"]),
        actor_id=m["actor_id"],
        actor_name=m["actor_name"],
        target=m["target"],
        client=m["client"],
        reason=m["reason"],
        details=dict(m["details"] or {}),
    )
