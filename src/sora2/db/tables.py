"""The schema, as SQLAlchemy Core tables. Migrations (db/migrations/) must produce exactly this.

Times are unix seconds in double precision, like the domain; ids are UUID strings. The domain
objects stay the dataclasses in `sora2.domain`: repositories map rows to them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sora2.domain import ACTIVE, VideoStatus

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

# Sorted so that the partial index and the tracker's query spell the list identically: SQLite
# uses a partial index only when the query repeats the index's WHERE term.
ACTIVE_STATUSES: tuple[str, ...] = tuple(sorted(status.value for status in ACTIVE))
ALL_STATUSES: tuple[str, ...] = tuple(sorted(status.value for status in VideoStatus))
# `status IN (<the active statuses>)` as the queries write it: rendered inline (not as bind
# parameters) so the planners can match the partial indexes below.
ACTIVE_STATUS_LIST: sa.BindParameter[Any] = sa.bindparam(
    "active_statuses", ACTIVE_STATUSES, expanding=True, literal_execute=True
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(150), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("token_version", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("created_at", sa.Double, nullable=False),
)
# Stored as typed, unique regardless of case: "Alice" and "alice" are one account.
sa.Index("ux_users_username_lower", sa.func.lower(users.c.username), unique=True)

videos = sa.Table(
    "videos",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "user_id",
        sa.String(36),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("upstream_id", sa.String(255), nullable=True),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("size", sa.String(32), nullable=False),
    sa.Column("seconds", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("completed_at", sa.Double, nullable=True),
    sa.Column("expires_at", sa.Double, nullable=True),
    sa.Column("error_message", sa.Text, nullable=True),
    # A plain string, not a foreign key: deleting the source keeps its remixes.
    sa.Column("remixed_from", sa.String(36), nullable=True),
    sa.Column("input_reference_key", sa.String(255), nullable=True),
    sa.Column("assets", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("next_due_at", sa.Double, nullable=True),
    sa.Column("lease_owner", sa.String(255), nullable=True),
    sa.Column("lease_until", sa.Double, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("submit_started_at", sa.Double, nullable=True),
    # Added by migration 0002 (providers, costs).
    sa.Column("upstream_model", sa.String(128), nullable=True),
    sa.Column("remix_strategy", sa.String(16), nullable=True),
    sa.Column("continued_from", sa.String(36), nullable=True),
    sa.Column("estimated_cost", sa.Double, nullable=True),
    sa.Column("cost", sa.Double, nullable=True),
    sa.CheckConstraint(sa.column("status").in_(ALL_STATUSES), name="status"),
)
# A user's library, newest first.
sa.Index(
    "ix_videos_user_id_created_at",
    videos.c.user_id,
    videos.c.created_at.desc(),
    videos.c.id.desc(),
)
# The tracker's due scan: only active rows, which stay few while finished ones pile up.
sa.Index(
    "ix_videos_due",
    videos.c.next_due_at,
    sqlite_where=videos.c.status.in_(ACTIVE_STATUSES),
    postgresql_where=videos.c.status.in_(ACTIVE_STATUSES),
)
sa.Index("ix_videos_upstream_id", videos.c.upstream_id)
# The provider's queue (admission control): a provider's unsubmitted rows, oldest first.
sa.Index(
    "ix_videos_provider_queue",
    videos.c.provider,
    videos.c.created_at,
    videos.c.id,
    sqlite_where=videos.c.status.in_(ACTIVE_STATUSES),
    postgresql_where=videos.c.status.in_(ACTIVE_STATUSES),
)

# Webhook deliveries seen recently (their `webhook-id`), so a replayed or duplicated delivery is
# recognised by every process; rows older than the signature tolerance are forgotten.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("provider", sa.String(64), nullable=False),
    sa.Column("received_at", sa.Double, nullable=False),
)
sa.Index(
    "ix_webhook_deliveries_provider_received_at",
    webhook_deliveries.c.provider,
    webhook_deliveries.c.received_at,
)

# Who did what, when, from where (migration 0003). Failed logins double as the login throttle's
# memory, shared by every process and kept across restarts: hence the two indexes on them.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Double, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    # The acting user; for logins the user the name belongs to (null if none does). Not a
    # foreign key: the trail outlives the accounts it mentions.
    sa.Column("actor_id", sa.String(36), nullable=True),
    # For logins, the name as typed (lower-cased): the throttle's key, known user or not.
    sa.Column("actor_name", sa.String(150), nullable=True),
    sa.Column("target", sa.String(255), nullable=True),
    sa.Column("client", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("details", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
)
sa.Index("ix_audit_log_at", audit_log.c.at)
sa.Index(
    "ix_audit_log_action_actor_name_at", audit_log.c.action, audit_log.c.actor_name, audit_log.c.at
)
sa.Index("ix_audit_log_action_client_at", audit_log.c.action, audit_log.c.client, audit_log.c.at)
