"""accounts, complaint follow-up and rating integrity

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rating integrity: the look-back queries per kiosk and per network.
    op.create_index("ix_rating_kiosk_submitted", "rating", ["kiosk_device_id", "submitted_at"])
    op.create_index("ix_rating_client_received", "rating", ["client_hash", "received_at"])
    # Queue-ticket machines that fetch single-use codes.
    op.create_table(
        "queue_machine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_queue_machine_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_machine")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_queue_machine_key_hash")),
    )
    op.create_index(op.f("ix_queue_machine_unit_id"), "queue_machine", ["unit_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_queue_machine_unit_id"), table_name="queue_machine")
    op.drop_table("queue_machine")
    op.drop_index("ix_rating_client_received", table_name="rating")
    op.drop_index("ix_rating_kiosk_submitted", table_name="rating")
