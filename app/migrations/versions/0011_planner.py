"""planner: pilot checklist ticks by offices and weekly snapshots of the counts

Revision ID: 0011_planner
Revises: 0010_reports
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_planner'
down_revision = '0010_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pilot_ticks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=8), nullable=False),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('community_id', 'item', name='uq_pilot_ticks_item'),
    )
    op.create_index('ix_pilot_ticks_community_id', 'pilot_ticks', ['community_id'])
    op.create_table(
        'pilot_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('item', sa.String(length=8), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('week', 'code', 'item', name='uq_pilot_snapshots_week'),
    )
    op.create_index('ix_pilot_snapshots_week', 'pilot_snapshots', ['week'])
    op.create_index('ix_pilot_snapshots_code', 'pilot_snapshots', ['code'])


def downgrade() -> None:
    op.drop_table('pilot_snapshots')
    op.drop_table('pilot_ticks')
