"""kiosk_pin_attempt: wrong PINs for unknown NIPs and for signing out, apart from officers

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosk_pin_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_pin_attempt")),
        sa.UniqueConstraint("key", name=op.f("uq_kiosk_pin_attempt_key")),
    )


def downgrade() -> None:
    op.drop_table("kiosk_pin_attempt")
