"""Initial schema: users and videos.

Revision ID: 0001
Revises:
Create Date: 2026-05-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must not change when the application's constants do.
STATUSES = ("completed", "failed", "in_progress", "queued")
ACTIVE_STATUSES = ("in_progress", "queued")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("token_version", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("ux_users_username_lower", "users", [sa.text("lower(username)")], unique=True)

    op.create_table(
        "videos",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
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
        sa.Column("remixed_from", sa.String(36), nullable=True),
        sa.Column("input_reference_key", sa.String(255), nullable=True),
        sa.Column("assets", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("next_due_at", sa.Double, nullable=True),
        sa.Column("lease_owner", sa.String(255), nullable=True),
        sa.Column("lease_until", sa.Double, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("submit_started_at", sa.Double, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_videos")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_videos_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name=op.f("ck_videos_status")),
    )
    op.create_index(
        "ix_videos_user_id_created_at",
        "videos",
        ["user_id", sa.text("created_at DESC"), sa.text("id DESC")],
    )
    active = sa.column("status").in_(ACTIVE_STATUSES)
    op.create_index(
        "ix_videos_due", "videos", ["next_due_at"], sqlite_where=active, postgresql_where=active
    )
    op.create_index("ix_videos_upstream_id", "videos", ["upstream_id"])


def downgrade() -> None:
    op.drop_table("videos")
    op.drop_table("users")
