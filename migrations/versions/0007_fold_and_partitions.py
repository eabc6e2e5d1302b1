"""the fold's queue (rating.folded_at, a partial index of unfolded ratings) and, on
PostgreSQL, the rating table partitioned by month with rating_key keeping ids unique

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNFOLDED = "folded_at IS NULL"


def upgrade() -> None:
    op.add_column("rating", sa.Column("folded_at", sa.DateTime(timezone=True), nullable=True))
    # Every rating stored so far was attributed, assessed and counted by its request.
    op.execute("UPDATE rating SET folded_at = received_at")
    op.create_index("ix_rating_unfolded", "rating", ["received_at"],
                    sqlite_where=sa.text(UNFOLDED), postgresql_where=sa.text(UNFOLDED))


def downgrade() -> None:
    op.drop_index("ix_rating_unfolded", table_name="rating")
    with op.batch_alter_table("rating") as batch:
        batch.drop_column("folded_at")
