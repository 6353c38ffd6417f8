"""Providers, costs and webhooks: the catalogue's mapping, remix strategy, costs, deliveries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy: a migration must not change when the application's constants do.
ACTIVE_STATUSES = ("in_progress", "queued")


def upgrade() -> None:
    with op.batch_alter_table("videos") as batch:
        batch.add_column(sa.Column("upstream_model", sa.String(128), nullable=True))
        batch.add_column(sa.Column("remix_strategy", sa.String(16), nullable=True))
        batch.add_column(sa.Column("continued_from", sa.String(36), nullable=True))
        batch.add_column(sa.Column("estimated_cost", sa.Double, nullable=True))
        batch.add_column(sa.Column("cost", sa.Double, nullable=True))
    active = sa.column("status").in_(ACTIVE_STATUSES)
    op.create_index(
        "ix_videos_provider_queue",
        "videos",
        ["provider", "created_at", "id"],
        sqlite_where=active,
        postgresql_where=active,
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("received_at", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_provider_received_at",
        "webhook_deliveries",
        ["provider", "received_at"],
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_videos_provider_queue", table_name="videos")
    with op.batch_alter_table("videos") as batch:
        for column in ("cost", "estimated_cost", "continued_from", "remix_strategy"):
            batch.drop_column(column)
        batch.drop_column("upstream_model")
