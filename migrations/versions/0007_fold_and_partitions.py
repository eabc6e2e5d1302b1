"""the fold's queue (rating.folded_at, a partial index of unfolded ratings) and, on
PostgreSQL, the rating table partitioned by month with rating_key keeping ids unique

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UNFOLDED = "folded_at IS NULL"
MONTHS_AHEAD = 3
# The rating table's indexes, as the models name them (made again on the partitioned table).
INDEXES = {
    "ix_rating_unit_day": "(unit_id, service_day)",
    "ix_rating_officer_day": "(officer_id, service_day)",
    "ix_rating_counter_received": "(counter_id, received_at)",
    "ix_rating_kiosk_submitted": "(kiosk_device_id, submitted_at)",
    "ix_rating_client_received": "(client_hash, received_at)",
    "ix_rating_unfolded": f"(received_at) WHERE {UNFOLDED}",
}
FOREIGN_KEYS = {
    "counter_id": "counter", "flags_cleared_by": "user_account",
    "kiosk_device_id": "kiosk_device", "officer_id": "officer", "qr_code_id": "qr_code",
    "questionnaire_id": "questionnaire", "shift_id": "shift", "unit_id": "unit",
}
REFERRERS = ("comment", "custom_answer")


def upgrade() -> None:
    op.add_column("rating", sa.Column("folded_at", sa.DateTime(timezone=True), nullable=True))
    # Every rating stored so far was attributed, assessed and counted by its request.
    op.execute("UPDATE rating SET folded_at = received_at")
    if op.get_bind().dialect.name == "postgresql":
        _partition()
    else:
        op.create_index("ix_rating_unfolded", "rating", ["received_at"],
                        sqlite_where=sa.text(UNFOLDED))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _unpartition()
    op.drop_index("ix_rating_unfolded", table_name="rating")
    with op.batch_alter_table("rating") as batch:
        batch.drop_column("folded_at")


def _month(day, later=0):
    index = day.year * 12 + day.month - 1 + later
    return date(index // 12, index % 12 + 1, 1)


def _partition() -> None:
    """rating becomes PARTITION BY RANGE (submitted_at), a partition per month. Every unique
    constraint of a partitioned table must hold the partition key, so the primary key is
    (id, submitted_at) and "one rating per id" is kept by rating_key (id primary key), which
    a trigger fills as each rating is inserted; comments and custom answers refer to it."""
    bind = op.get_bind()
    op.execute("CREATE TABLE rating_key (id uuid NOT NULL, submitted_at timestamptz NOT NULL, "
               "CONSTRAINT pk_rating_key PRIMARY KEY (id))")
    op.execute("CREATE INDEX ix_rating_key_submitted_at ON rating_key (submitted_at)")
    op.execute("INSERT INTO rating_key (id, submitted_at) SELECT id, submitted_at FROM rating")
    for table in REFERRERS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_rating_id_rating")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_rating_id_rating "
                   "FOREIGN KEY (rating_id) REFERENCES rating_key (id)")
    op.execute("ALTER TABLE rating RENAME TO rating_plain")
    op.execute("CREATE TABLE rating (LIKE rating_plain INCLUDING DEFAULTS INCLUDING "
               "CONSTRAINTS) PARTITION BY RANGE (submitted_at)")
    first = bind.execute(sa.text("SELECT min(submitted_at) FROM rating_plain")).scalar()
    today = datetime.now(UTC).date()
    # From last month on at least: a tablet may deliver ratings tapped up to 30 days ago.
    month = min(_month(first.astimezone(UTC).date()) if first else today, _month(today, -1))
    while month <= _month(today, MONTHS_AHEAD):
        following = _month(month, 1)
        op.execute(f"CREATE TABLE rating_{month:%Y_%m} PARTITION OF rating FOR VALUES FROM "
                   f"('{month.isoformat()} 00:00:00+00') "
                   f"TO ('{following.isoformat()} 00:00:00+00')")
        month = following
    # Should a month not have been made ahead, its ratings are kept here rather than lost.
    op.execute("CREATE TABLE rating_default PARTITION OF rating DEFAULT")
    op.execute("INSERT INTO rating SELECT * FROM rating_plain")
    op.execute("DROP TABLE rating_plain")
    op.execute("ALTER TABLE rating ADD CONSTRAINT pk_rating PRIMARY KEY (id, submitted_at)")
    _indexes_and_keys()
    # Every INSERT into rating (record_rating's, a bulk load's, the ORM's) claims its id in
    # rating_key first; an id claimed already skips the row, as ON CONFLICT (id) DO NOTHING
    # did on the plain table: the row count tells a retry from a new rating.
    op.execute("""
        CREATE FUNCTION rating_claim_id() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO rating_key (id, submitted_at) VALUES (NEW.id, NEW.submitted_at)
                ON CONFLICT (id) DO NOTHING;
            IF NOT FOUND THEN
                RETURN NULL;
            END IF;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER rating_claim_id BEFORE INSERT ON rating "
               "FOR EACH ROW EXECUTE FUNCTION rating_claim_id()")


def _indexes_and_keys() -> None:
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON rating {columns}")
    for column, table in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE rating ADD CONSTRAINT fk_rating_{column}_{table} "
                   f"FOREIGN KEY ({column}) REFERENCES {table} (id)")


def _unpartition() -> None:
    op.execute("ALTER TABLE rating RENAME TO rating_parted")
    op.execute("CREATE TABLE rating (LIKE rating_parted INCLUDING DEFAULTS INCLUDING "
               "CONSTRAINTS)")
    op.execute("INSERT INTO rating SELECT * FROM rating_parted")
    op.execute("DROP TABLE rating_parted CASCADE")
    op.execute("ALTER TABLE rating ADD CONSTRAINT pk_rating PRIMARY KEY (id)")
    _indexes_and_keys()
    for table in REFERRERS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT fk_{table}_rating_id_rating")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT fk_{table}_rating_id_rating "
                   "FOREIGN KEY (rating_id) REFERENCES rating (id)")
    op.execute("DROP TABLE rating_key")
    op.execute("DROP FUNCTION rating_claim_id()")
