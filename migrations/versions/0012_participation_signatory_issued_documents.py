"""services delivered per unit and month, the SKM report's signatory, issued documents

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_count",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("services", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("services >= 0", name=op.f("ck_service_count_not_negative")),
        sa.CheckConstraint("source IN ('manual', 'csv')",
                           name=op.f("ck_service_count_known_source")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_service_count_unit_id_unit")),
        sa.ForeignKeyConstraint(["updated_by"], ["user_account.id"],
                                name=op.f("fk_service_count_updated_by_user_account")),
        sa.PrimaryKeyConstraint("unit_id", "month", name=op.f("pk_service_count")),
    )
    op.create_table(
        "report_signatory",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=False),
        sa.Column("head_title", sa.String(length=200), nullable=False),
        sa.Column("head_name", sa.String(length=200), nullable=False),
        sa.Column("head_nip", sa.String(length=40), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_report_signatory_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_report_signatory")),
    )
    op.create_table(
        "issued_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_by_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"],
                                name=op.f("fk_issued_document_unit_id_unit")),
        sa.ForeignKeyConstraint(["issued_by"], ["user_account.id"],
                                name=op.f("fk_issued_document_issued_by_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_document")),
        sa.UniqueConstraint("code", name=op.f("uq_issued_document_code")),
    )
    op.create_index("ix_issued_document_sha256", "issued_document", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_issued_document_sha256", table_name="issued_document")
    op.drop_table("issued_document")
    op.drop_table("report_signatory")
    op.drop_table("service_count")
