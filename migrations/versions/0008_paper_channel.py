"""ratings entered from paper questionnaires: the channel 'paper'

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD = "channel IN ('qr', 'kiosk', 'api')"
NEW = "channel IN ('qr', 'kiosk', 'api', 'paper')"
NAME = "ck_rating_known_channel"


def _sqlite_replace_check(old: str, new: str) -> None:
    """Edit the CHECK in the stored table definition, as SQLite's own documentation says to
    for changing a CHECK constraint (sqlite.org/lang_altertable.html, section 7): the rows
    on disk do not change. Rebuilding the table instead (batch mode) would drop ``rating``
    while comments and answers still point at it, which SQLite refuses with foreign keys on
    (and the pragma that turns them off has no effect inside the migration's transaction)."""
    bind = op.get_bind()
    before = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'rating'").scalar_one()
    if old not in before:
        raise RuntimeError(f"rating table has no CHECK {old!r} to change")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql "
                         "WHERE type = 'table' AND name = 'rating'"),
                 {"sql": before.replace(old, new)})
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_replace_check(OLD, NEW)
        return
    op.drop_constraint(op.f(NAME), "rating", type_="check")
    op.create_check_constraint(op.f(NAME), "rating", NEW)


def downgrade() -> None:
    paper = op.get_bind().execute(
        sa.text("SELECT count(*) FROM rating WHERE channel = 'paper'")).scalar()
    if paper:
        # Deleting them would silently change published IKMs; an operator decides.
        raise RuntimeError(f"{paper} ratings were entered from paper: remove them first.")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_replace_check(NEW, OLD)
        return
    op.drop_constraint(op.f(NAME), "rating", type_="check")
    op.create_check_constraint(op.f(NAME), "rating", OLD)
