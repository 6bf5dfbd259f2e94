"""division_areas: boundaries of streets and committees, for assigning compounds

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.geometry

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'division_areas',
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('level', sa.SmallInteger(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('geom', app.geometry.Geometry('GEOMETRY'), nullable=False),
        sa.PrimaryKeyConstraint('code'),
    )


def downgrade() -> None:
    op.drop_table('division_areas')
