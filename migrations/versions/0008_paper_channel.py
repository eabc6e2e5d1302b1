"""ratings entered from paper questionnaires: the channel 'paper'

Revision ID: 0008
Revises: 0006
"""
from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_rating_known_channel"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_rating_known_channel"), "channel IN ('qr', 'kiosk', 'api', 'paper')")


def downgrade() -> None:
    import sqlalchemy as sa

    paper = op.get_bind().execute(
        sa.text("SELECT count(*) FROM rating WHERE channel = 'paper'")).scalar()
    if paper:
        # Deleting them would silently change published IKMs; an operator decides.
        raise RuntimeError(f"{paper} ratings were entered from paper: remove them first.")
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_rating_known_channel"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_rating_known_channel"), "channel IN ('qr', 'kiosk', 'api')")
