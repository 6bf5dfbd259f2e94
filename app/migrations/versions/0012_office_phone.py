"""offices.phone: the number riders call about a pass or a gate

Revision ID: 0012_office_phone
Revises: 0011_planner
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012_office_phone'
down_revision = '0011_planner'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offices') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offices') as batch:
        batch.drop_column('phone')
