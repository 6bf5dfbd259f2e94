"""riders: passes, pass policies, devices, phone verifications, entry log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _time(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'pass_policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('approval', sa.String(length=16), nullable=False),
        sa.Column('validity_days', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        _time('updated_at'),
        sa.Column('updated_by', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('office_id'),
    )
    op.create_table(
        'riders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone_digest', sa.String(length=64), nullable=False),
        sa.Column('phone_enc', sa.Text(), nullable=False),
        sa.Column('name_enc', sa.Text(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('platform_rider_id_enc', sa.Text(), nullable=False),
        sa.Column('plate_enc', sa.Text(), nullable=True),
        _time('created_at'),
        _time('updated_at'),
        sa.Column('tap_seq', sa.Integer(), nullable=False),
        _time('last_tap_at', nullable=True),
        sa.Column('inside_community_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['inside_community_id'], ['communities.id'],
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('phone_digest'),
    )
    op.create_index('ix_riders_platform', 'riders', ['platform'])
    op.create_table(
        'rider_devices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rider_id', sa.Integer(), nullable=False),
        sa.Column('secret_digest', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        _time('created_at'),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('secret_digest'),
    )
    op.create_index('ix_rider_devices_rider_id', 'rider_devices', ['rider_id'])
    op.create_table(
        'rider_passes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rider_id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('scope_value', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        _time('requested_at'),
        _time('renewal_requested_at', nullable=True),
        _time('decided_at', nullable=True),
        sa.Column('decided_by', sa.String(length=120), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=True),
        _time('valid_from', nullable=True),
        _time('valid_until', nullable=True),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('rider_id', 'scope', 'scope_value', name='uq_rider_passes_scope'),
    )
    for column in ('community_id', 'office_id', 'rider_id', 'status'):
        op.create_index(f'ix_rider_passes_{column}', 'rider_passes', [column])
    op.create_table(
        'phone_verifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phone_digest', sa.String(length=64), nullable=False),
        sa.Column('code_digest', sa.String(length=64), nullable=False),
        _time('created_at'),
        _time('expires_at'),
        sa.Column('attempts', sa.Integer(), nullable=False),
        _time('consumed_at', nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_phone_verifications_phone_digest', 'phone_verifications',
                    ['phone_digest'])
    op.create_table(
        'entry_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rider_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('pass_id', sa.Integer(), nullable=True),
        sa.Column('gate_id', sa.Integer(), nullable=True),
        sa.Column('community_id', sa.Integer(), nullable=True),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('direction', sa.String(length=3), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        _time('at'),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['gate_id'], ['gates.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['pass_id'], ['rider_passes.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('rider_id', 'seq', name='uq_entry_events_rider_seq'),
    )
    op.create_index('ix_entry_events_at', 'entry_events', ['at'])
    op.create_index('ix_entry_events_community_at', 'entry_events', ['community_id', 'at'])
    op.create_index('ix_entry_events_gate_id', 'entry_events', ['gate_id'])


def downgrade() -> None:
    for table in ('entry_events', 'phone_verifications', 'rider_passes', 'rider_devices',
                  'riders', 'pass_policies'):
        op.drop_table(table)
