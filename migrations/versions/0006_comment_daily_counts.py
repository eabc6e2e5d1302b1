"""comments per unit, local day, kind and category, for complaint trends at any scale

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "comment_daily",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_comment_daily_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "day", "kind", "category", name=op.f("pk_comment_daily")),
    )
    # Count the comments already made, each on its day in its unit's own zone.
    rows = op.get_bind().execute(sa.text(
        "SELECT comment.unit_id, comment.created_at, comment.kind, comment.category, unit.timezone "
        "FROM comment JOIN unit ON unit.id = comment.unit_id"))
    totals: Counter = Counter()
    for unit_id, created_at, kind, category, zone in rows:
        if isinstance(created_at, str):  # SQLite hands back text
            created_at = datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:  # stored as UTC without an offset
            created_at = created_at.replace(tzinfo=UTC)
        day = created_at.astimezone(ZoneInfo(zone)).date()
        totals[(unit_id, day, kind, category or "")] += 1
    if totals:
        op.bulk_insert(table, [
            {"unit_id": u, "day": d, "kind": k, "category": c, "count": n}
            for (u, d, k, c), n in totals.items()
        ])


def downgrade() -> None:
    op.drop_table("comment_daily")
