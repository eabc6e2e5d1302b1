"""a partial index on paper ratings, so a unit's report counts them without reading the
unit's other ratings

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PAPER = "channel = 'paper'"


def upgrade() -> None:
    # On PostgreSQL rating is partitioned: the index is made on every partition.
    op.create_index("ix_rating_paper_unit_day", "rating", ["unit_id", "service_day"],
                    sqlite_where=sa.text(PAPER), postgresql_where=sa.text(PAPER))


def downgrade() -> None:
    op.drop_index("ix_rating_paper_unit_day", table_name="rating")
