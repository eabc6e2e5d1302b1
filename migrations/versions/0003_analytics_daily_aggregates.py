"""analytics: daily aggregates

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "custom")


def _count(name: str, type_=sa.Integer) -> sa.Column:
    return sa.Column(name, type_(), server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "daily_aggregate",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("service_day", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.SmallInteger(), nullable=False),
        _count("ratings"),
        _count("officer_ratings"),
        _count("officer_mean_sum", sa.BigInteger),
        _count("officer_mean_squares", sa.BigInteger),
        *(_count(f"{code}_{suffix}") for code in ELEMENTS
          for suffix in ("sum", "n", "a1", "a2", "a3", "a4")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_daily_aggregate_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "service_day", "officer_id", "flagged",
                                name=op.f("pk_daily_aggregate")),
    )
    op.create_index("ix_daily_aggregate_officer_day", "daily_aggregate",
                    ["officer_id", "service_day"])


def downgrade() -> None:
    op.drop_index("ix_daily_aggregate_officer_day", table_name="daily_aggregate")
    op.drop_table("daily_aggregate")
