"""users.session_version: office log-ins end on the server at log-out

Revision ID: 0007_feature_uids
Revises: 0006
Create Date: 2026-12-02

The revision id was assigned for this branch (issue 17, hardening); the feature uids it
was named for are not in it yet.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_feature_uids'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
