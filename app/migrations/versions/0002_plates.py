"""plates: signing keys, revoked plates, retired codes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signing_keys',
        sa.Column('kid', sa.String(length=8), nullable=False),
        sa.Column('public_key', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('kid'),
        sa.UniqueConstraint('public_key'),
    )
    op.create_table(
        'revoked_plates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('issue', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('revoked_by', sa.String(length=120), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', 'issue', name='uq_revoked_plates_code_issue'),
    )
    with op.batch_alter_table('revoked_plates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_plates_code'), ['code'], unique=False)
    op.create_table(
        'retired_codes',
        sa.Column('old_code', sa.String(length=40), nullable=False),
        sa.Column('table_name', sa.String(length=40), nullable=False),
        sa.Column('feature_id', sa.Integer(), nullable=False),
        sa.Column('new_code', sa.String(length=40), nullable=True),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('old_code'),
    )
    with op.batch_alter_table('retired_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retired_codes_feature_id'), ['feature_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('retired_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retired_codes_feature_id'))
    op.drop_table('retired_codes')
    with op.batch_alter_table('revoked_plates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_plates_code'))
    op.drop_table('revoked_plates')
    op.drop_table('signing_keys')
