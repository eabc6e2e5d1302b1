"""alerts: rules, alerts and their history, the outbox of messages, deliveries, webhooks, digests

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(CASE WHEN department_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_alert_webhook_one_place')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_alert_webhook_department_id_department')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_webhook_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_webhook'))
    )
    with op.batch_alter_table('alert_webhook', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_webhook_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_webhook_unit_id'), ['unit_id'], unique=False)

    op.create_table('alert_contact',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('alerts', sa.Boolean(), nullable=False),
    sa.Column('weekly_digest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_alert_contact_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_alert_contact'))
    )
    op.create_table('alert_digest_sent',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_alert_digest_sent_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', 'week', name=op.f('pk_alert_digest_sent'))
    )
    op.create_table('alert_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('element', sa.String(length=4), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('window_minutes', sa.Integer(), nullable=False),
    sa.Column('min_ratings', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('ikm_below', 'negative_share_above', 'element_below', 'urgent_complaint', 'praise', 'category_a')", name=op.f('ck_alert_rule_known_kind')),
    sa.CheckConstraint('(CASE WHEN department_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN unit_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN counter_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_alert_rule_one_place')),
    sa.CheckConstraint('window_minutes > 0 AND min_ratings > 0', name=op.f('ck_alert_rule_positive_window')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_alert_rule_counter_id_counter')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_alert_rule_created_by_user_account')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_alert_rule_department_id_department')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_rule_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule'))
    )
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.create_index('ix_alert_rule_counter', ['counter_id'], unique=False)
        batch_op.create_index('ix_alert_rule_department', ['department_id'], unique=False)
        batch_op.create_index('ix_alert_rule_unit', ['unit_id'], unique=False)

    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('ratings', sa.Integer(), nullable=True),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('close_reason', sa.String(length=12), nullable=True),
    sa.CheckConstraint("status IN ('terbuka', 'diketahui', 'selesai')", name=op.f('ck_alert_known_status')),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['user_account.id'], name=op.f('fk_alert_acknowledged_by_user_account')),
    sa.ForeignKeyConstraint(['closed_by'], ['user_account.id'], name=op.f('fk_alert_closed_by_user_account')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_alert_counter_id_counter')),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], name=op.f('fk_alert_officer_id_officer')),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_alert_rule_id_alert_rule')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_unit_opened', ['unit_id', 'opened_at'], unique=False)
        batch_op.create_index('uq_alert_open_per_rule_place', ['rule_id', 'place'], unique=True, sqlite_where=sa.text("status IN ('terbuka', 'diketahui')"), postgresql_where=sa.text("status IN ('terbuka', 'diketahui')"))

    op.create_table('alert_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alert_event_alert_id_alert')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_alert_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_event'))
    )
    with op.batch_alter_table('alert_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_event_alert_id'), ['alert_id'], unique=False)

    op.create_table('alert_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('event', sa.String(length=24), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('webhook_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('held_for_quiet_hours', sa.Boolean(), nullable=False),
    sa.Column('claim', sa.String(length=40), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'webhook')", name=op.f('ck_alert_outbox_known_channel')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_alert_outbox_known_status')),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alert_outbox_alert_id_alert')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_outbox_unit_id_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_alert_outbox_user_id_user_account')),
    sa.ForeignKeyConstraint(['webhook_id'], ['alert_webhook.id'], name=op.f('fk_alert_outbox_webhook_id_alert_webhook')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_outbox')),
    sa.UniqueConstraint('key', name=op.f('uq_alert_outbox_key'))
    )
    with op.batch_alter_table('alert_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_outbox_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index('ix_alert_outbox_due', ['not_before'], unique=False, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.create_index('ix_alert_outbox_status', ['status', 'claimed_at'], unique=False)

    op.create_table('alert_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['alert_outbox.id'], name=op.f('fk_alert_delivery_message_id_alert_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_delivery'))
    )
    with op.batch_alter_table('alert_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_delivery_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_delivery_message_id'), ['message_id'], unique=False)

    op.create_table('alert_source',
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alert_source_alert_id_alert')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_alert_source_comment_id_comment')),
    sa.PrimaryKeyConstraint('alert_id', 'comment_id', name=op.f('pk_alert_source'))
    )
    with op.batch_alter_table('alert_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_source_comment_id'), ['comment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('alert_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_source_comment_id'))

    op.drop_table('alert_source')
    with op.batch_alter_table('alert_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_delivery_message_id'))
        batch_op.drop_index(batch_op.f('ix_alert_delivery_at'))

    op.drop_table('alert_delivery')
    with op.batch_alter_table('alert_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_outbox_status')
        batch_op.drop_index('ix_alert_outbox_due', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_alert_outbox_alert_id'))

    op.drop_table('alert_outbox')
    with op.batch_alter_table('alert_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_event_alert_id'))

    op.drop_table('alert_event')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('uq_alert_open_per_rule_place', sqlite_where=sa.text("status IN ('terbuka', 'diketahui')"), postgresql_where=sa.text("status IN ('terbuka', 'diketahui')"))
        batch_op.drop_index('ix_alert_unit_opened')

    op.drop_table('alert')
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_rule_unit')
        batch_op.drop_index('ix_alert_rule_department')
        batch_op.drop_index('ix_alert_rule_counter')

    op.drop_table('alert_rule')
    op.drop_table('alert_digest_sent')
    op.drop_table('alert_contact')
    with op.batch_alter_table('alert_webhook', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_webhook_unit_id'))
        batch_op.drop_index(batch_op.f('ix_alert_webhook_department_id'))

    op.drop_table('alert_webhook')
