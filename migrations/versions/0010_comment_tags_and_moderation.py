"""comment tags (spam, kasar, mendesak, petugas, pujian) with heads' corrections, and the
moderation state of each comment

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comment_tag",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=12), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("detected", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("corrected_by", sa.Integer(), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("tag IN ('spam', 'kasar', 'mendesak', 'petugas', 'pujian')",
                           name=op.f("ck_comment_tag_known_tag")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"],
                                name=op.f("fk_comment_tag_comment_id_comment")),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"],
                                name=op.f("fk_comment_tag_officer_id_officer")),
        sa.ForeignKeyConstraint(["corrected_by"], ["user_account.id"],
                                name=op.f("fk_comment_tag_corrected_by_user_account")),
        sa.PrimaryKeyConstraint("comment_id", "tag", name=op.f("pk_comment_tag")),
    )
    op.create_index("ix_comment_tag_tag", "comment_tag", ["tag", "present", "comment_id"])
    op.create_table(
        "comment_review",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("decision IS NULL OR decision IN ('hidden', 'kept')",
                           name=op.f("ck_comment_review_known_decision")),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"],
                                name=op.f("fk_comment_review_comment_id_comment")),
        sa.ForeignKeyConstraint(["decided_by"], ["user_account.id"],
                                name=op.f("fk_comment_review_decided_by_user_account")),
        sa.PrimaryKeyConstraint("comment_id", name=op.f("pk_comment_review")),
    )
    # Existing comments are tagged on first read (survey.moderation.tag_untagged_comments)
    # or by `flask aggregates rebuild`: the rules live in Python, not in SQL.


def downgrade() -> None:
    op.drop_table("comment_review")
    op.drop_index("ix_comment_tag_tag", table_name="comment_tag")
    op.drop_table("comment_tag")
