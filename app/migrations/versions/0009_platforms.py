"""platforms: the change feed, webhooks and their outbox, rider attestations

Revision ID: 0009_platforms
Revises: 0007_feature_uids
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_platforms'
down_revision = '0007_feature_uids'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'feed_counter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'feed_changes',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('audit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('division_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['audit_id'], ['audit_log.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('seq'),
        sa.UniqueConstraint('audit_id'),
    )
    op.create_index('ix_feed_changes_kind', 'feed_changes', ['kind'])
    op.create_index('ix_feed_changes_division_code', 'feed_changes', ['division_code'])
    op.create_table(
        'webhooks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.String(length=200), nullable=False),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('divisions', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhooks_token_id', 'webhooks', ['token_id'])
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('webhook_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_status', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('webhook_id', 'seq', name='uq_webhook_deliveries_seq'),
    )
    op.create_index('ix_webhook_deliveries_webhook_id', 'webhook_deliveries', ['webhook_id'])
    op.create_index('ix_webhook_deliveries_seq', 'webhook_deliveries', ['seq'])
    op.create_index('ix_webhook_deliveries_status', 'webhook_deliveries', ['status'])
    op.create_table(
        'rider_attestations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.Column('rider_ref', sa.String(length=80), nullable=False),
        sa.Column('phone_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'rider_ref', name='uq_rider_attestations_rider'),
    )
    op.create_index('ix_rider_attestations_token_id', 'rider_attestations', ['token_id'])
    op.create_index('ix_rider_attestations_phone_hash', 'rider_attestations', ['phone_hash'])


def downgrade() -> None:
    for table in ('rider_attestations', 'webhook_deliveries', 'webhooks', 'feed_changes',
                  'feed_counter'):
        op.drop_table(table)
