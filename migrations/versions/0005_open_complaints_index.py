"""a partial index on open complaints, so the backlog costs what it holds

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN = "status IN ('baru', 'diproses', 'ditindaklanjuti')"


def upgrade() -> None:
    op.create_index("ix_comment_open", "comment", ["unit_id", "due_on"],
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("ix_comment_open", table_name="comment")
