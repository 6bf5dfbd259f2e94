"""place tables: an index on (updated_at, version), so that routing's stamp of each table
(rows, newest change, sum of versions) reads an index, not every row

Revision ID: 0018_place_stamp_indexes
Revises: 0017_riders_jobs
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = '0018_place_stamp_indexes'
down_revision = '0017_riders_jobs'
branch_labels = None
depends_on = None

TABLES = ('communities', 'gates', 'buildings', 'units', 'facilities', 'paths')


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f'ix_{table}_stamp', table, ['updated_at', 'version'])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f'ix_{table}_stamp', table_name=table)
