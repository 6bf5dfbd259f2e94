"""users.session_version; a stable uid on every place feature

Revision ID: 0007_feature_uids
Revises: 0006
Create Date: 2026-12-02

``session_version``: office log-ins end on the server at log-out. ``uid`` (a UUID as text,
unique) on communities, gates, buildings, units, paths and facilities: exports carry it
and ``import-features`` matches on it instead of the database id (issue 17). Existing
rows get a fresh uid each.
"""

from __future__ import annotations

from uuid import uuid4

import sqlalchemy as sa
from alembic import op

revision = '0007_feature_uids'
down_revision = '0006'
branch_labels = None
depends_on = None

PLACE_TABLES = ('communities', 'gates', 'buildings', 'units', 'paths', 'facilities')


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                   server_default='0'))
    # Plain ALTERs, no batch copy: recreating a parent table on SQLite (foreign keys on)
    # would cascade-delete its gates, units and paths.
    bind = op.get_bind()
    for name in PLACE_TABLES:
        op.add_column(name, sa.Column('uid', sa.String(length=36), nullable=False,
                                      server_default=''))
        table = sa.table(name, sa.column('id', sa.Integer()), sa.column('uid', sa.String()))
        ids = bind.execute(sa.select(table.c.id)).scalars().all()
        if ids:
            bind.execute(table.update().where(table.c.id == sa.bindparam('row_id'))
                         .values(uid=sa.bindparam('new_uid')),
                         [{'row_id': i, 'new_uid': str(uuid4())} for i in ids])
        if bind.dialect.name != 'sqlite':  # SQLite cannot drop a default without a copy
            op.alter_column(name, 'uid', server_default=None)
        op.create_index(f'ix_{name}_uid', name, ['uid'], unique=True)


def downgrade() -> None:
    for name in PLACE_TABLES:
        op.drop_index(f'ix_{name}_uid', table_name=name)
        op.drop_column(name, 'uid')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_version')
