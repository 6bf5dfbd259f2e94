"""Riders vouched for by their platform: pass_policies.vouched_platforms (the platforms
whose attested riders get a pass at their first tap) and riders.attestation_id (a rider
enrolled through a platform's attestation)

Revision ID: 0017_vouched_riders
Revises: 0012_office_phone
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_vouched_riders'
down_revision = '0012_office_phone'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pass_policies') as batch:
        batch.add_column(sa.Column('vouched_platforms', sa.JSON(), nullable=True))
    with op.batch_alter_table('riders') as batch:
        batch.add_column(sa.Column('attestation_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_riders_attestation_id_rider_attestations', 'rider_attestations',
                                 ['attestation_id'], ['id'], ondelete='SET NULL')
        batch.create_unique_constraint('uq_riders_attestation_id', ['attestation_id'])


def downgrade() -> None:
    with op.batch_alter_table('riders') as batch:
        batch.drop_constraint('uq_riders_attestation_id', type_='unique')
        batch.drop_constraint('fk_riders_attestation_id_rider_attestations', type_='foreignkey')
        batch.drop_column('attestation_id')
    with op.batch_alter_table('pass_policies') as batch:
        batch.drop_column('vouched_platforms')
