"""kiosk_officer_pin: officers' tablet PINs and their wrong tries move off core's officer table

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PIN_COLUMNS = ("pin_hash", "pin_failures", "pin_locked_until")


def _drop_pin_columns() -> None:
    # recreate="never": SQLite (3.35+) drops a plain column in place. Recreating the officer
    # table instead would drop it first, and with foreign keys on, the shifts, users and
    # ratings that name its officers refuse that.
    with op.batch_alter_table("officer", recreate="never") as batch:
        for name in PIN_COLUMNS:
            batch.drop_column(name)


def upgrade() -> None:
    op.create_table(
        "kiosk_officer_pin",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"],
                                name=op.f("fk_kiosk_officer_pin_officer_id_officer")),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_kiosk_officer_pin")),
    )
    # Only officers with something to keep: a PIN, wrong tries, or a lock.
    op.execute(
        "INSERT INTO kiosk_officer_pin (officer_id, pin_hash, failures, locked_until) "
        "SELECT id, pin_hash, COALESCE(pin_failures, 0), pin_locked_until FROM officer "
        "WHERE pin_hash IS NOT NULL OR pin_failures > 0 OR pin_locked_until IS NOT NULL"
    )
    _drop_pin_columns()


def downgrade() -> None:
    # Added with a server default so the existing officers get 0 wrong tries; dropped again
    # where the database can (SQLite would have to recreate the table: see above).
    with op.batch_alter_table("officer", recreate="never") as batch:
        batch.add_column(sa.Column("pin_hash", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("pin_failures", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("pin_locked_until", sa.DateTime(timezone=True),
                                   nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("officer", "pin_failures", server_default=None)
    op.execute(
        "UPDATE officer SET "
        "pin_hash = (SELECT p.pin_hash FROM kiosk_officer_pin p WHERE p.officer_id = officer.id), "
        "pin_failures = COALESCE((SELECT p.failures FROM kiosk_officer_pin p "
        "WHERE p.officer_id = officer.id), 0), "
        "pin_locked_until = (SELECT p.locked_until FROM kiosk_officer_pin p "
        "WHERE p.officer_id = officer.id)"
    )
    op.drop_table("kiosk_officer_pin")
