"""Riders vouched for by their platform: pass_policies.vouched_platforms (the platforms
whose attested riders get a pass at their first tap) and riders.attestation_id (a rider
enrolled through a platform's attestation), rider_attestations.enrolled_at (sign-in
links work once); jobs (long work on the queue, with progress)

Revision ID: 0017_riders_jobs
Revises: 0014_token_expiry
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_riders_jobs'
down_revision = '0014_token_expiry'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'jobs',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=120), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('result_path', sa.String(length=500), nullable=True),
        sa.Column('result_name', sa.String(length=200), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_jobs_status', 'jobs', ['status'])
    with op.batch_alter_table('pass_policies') as batch:
        batch.add_column(sa.Column('vouched_platforms', sa.JSON(), nullable=True))
    with op.batch_alter_table('rider_attestations') as batch:
        batch.add_column(sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('riders') as batch:
        batch.add_column(sa.Column('attestation_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_riders_attestation_id_rider_attestations', 'rider_attestations',
                                 ['attestation_id'], ['id'], ondelete='SET NULL')
        batch.create_unique_constraint('uq_riders_attestation_id', ['attestation_id'])


def downgrade() -> None:
    op.drop_index('ix_jobs_status', table_name='jobs')
    op.drop_table('jobs')
    with op.batch_alter_table('riders') as batch:
        batch.drop_constraint('uq_riders_attestation_id', type_='unique')
        batch.drop_constraint('fk_riders_attestation_id_rider_attestations', type_='foreignkey')
        batch.drop_column('attestation_id')
    with op.batch_alter_table('rider_attestations') as batch:
        batch.drop_column('enrolled_at')
    with op.batch_alter_table('pass_policies') as batch:
        batch.drop_column('vouched_platforms')
