"""foundation: divisions, places, accounts, audit

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.geometry
from app.migrations.spatial import create_spatial_index, drop_spatial_index

SPATIAL_TABLES = ("communities", "gates", "buildings", "units", "paths", "facilities")

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('divisions',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('level', sa.SmallInteger(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('divisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_divisions_parent_code'), ['parent_code'], unique=False)

    op.create_table('offices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('division_codes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('communities',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_is_placeholder', sa.Boolean(), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('ebikes_allowed', sa.Boolean(), nullable=False),
    sa.Column('pass_policy', sa.String(length=16), nullable=False),
    sa.Column('pass_validity_days', sa.Integer(), nullable=False),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('geom', app.geometry.Geometry('GEOMETRY'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('osm_type', sa.String(length=8), nullable=True),
    sa.Column('osm_id', sa.BigInteger(), nullable=True),
    sa.Column('osm_hash', sa.String(length=64), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('osm_type', 'osm_id', name='uq_communities_osm')
    )
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.create_index('ix_communities_bbox', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_communities_division_code'), ['division_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_communities_office_id'), ['office_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_office_id'), ['office_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('feature_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_feature_id'), ['feature_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_table_name'), ['table_name'], unique=False)

    op.create_table('buildings',
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('floors', sa.Integer(), nullable=True),
    sa.Column('geom', app.geometry.Geometry('GEOMETRY'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('osm_type', sa.String(length=8), nullable=True),
    sa.Column('osm_id', sa.BigInteger(), nullable=True),
    sa.Column('osm_hash', sa.String(length=64), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('osm_type', 'osm_id', name='uq_buildings_osm')
    )
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.create_index('ix_buildings_bbox', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_buildings_community_id'), ['community_id'], unique=False)

    op.create_table('facilities',
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('charger_type', sa.String(length=10), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('rider_priority_slots', sa.Integer(), nullable=True),
    sa.Column('shaded', sa.Boolean(), nullable=True),
    sa.Column('charging', sa.Boolean(), nullable=True),
    sa.Column('opening_hours', sa.String(length=255), nullable=True),
    sa.Column('operator', sa.String(length=200), nullable=True),
    sa.Column('geom', app.geometry.Geometry('POINT'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('osm_type', sa.String(length=8), nullable=True),
    sa.Column('osm_id', sa.BigInteger(), nullable=True),
    sa.Column('osm_hash', sa.String(length=64), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('osm_type', 'osm_id', name='uq_facilities_osm')
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index('ix_facilities_bbox', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_kind'), ['kind'], unique=False)

    op.create_table('gates',
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('inferred', sa.Boolean(), nullable=False),
    sa.Column('foot', sa.Boolean(), nullable=False),
    sa.Column('ebike', sa.Boolean(), nullable=False),
    sa.Column('rider_access', sa.String(length=10), nullable=False),
    sa.Column('opening_hours', sa.String(length=255), nullable=True),
    sa.Column('geom', app.geometry.Geometry('POINT'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('osm_type', sa.String(length=8), nullable=True),
    sa.Column('osm_id', sa.BigInteger(), nullable=True),
    sa.Column('osm_hash', sa.String(length=64), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('osm_type', 'osm_id', name='uq_gates_osm')
    )
    with op.batch_alter_table('gates', schema=None) as batch_op:
        batch_op.create_index('ix_gates_bbox', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_gates_community_id'), ['community_id'], unique=False)

    op.create_table('paths',
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('geom', app.geometry.Geometry('LINESTRING'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('osm_type', sa.String(length=8), nullable=True),
    sa.Column('osm_id', sa.BigInteger(), nullable=True),
    sa.Column('osm_hash', sa.String(length=64), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('osm_type', 'osm_id', name='uq_paths_osm')
    )
    with op.batch_alter_table('paths', schema=None) as batch_op:
        batch_op.create_index('ix_paths_bbox', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_paths_community_id'), ['community_id'], unique=False)

    op.create_table('units',
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('floors', sa.Integer(), nullable=True),
    sa.Column('elevator', sa.Boolean(), nullable=True),
    sa.Column('rider_elevator', sa.Boolean(), nullable=True),
    sa.Column('geom', app.geometry.Geometry('POINT'), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('osm_type', sa.String(length=8), nullable=True),
    sa.Column('osm_id', sa.BigInteger(), nullable=True),
    sa.Column('osm_hash', sa.String(length=64), nullable=True),
    sa.Column('edited', sa.Boolean(), nullable=False),
    sa.Column('demo', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('min_lon', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lon', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('osm_type', 'osm_id', name='uq_units_osm')
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index('ix_units_bbox', ['min_lon', 'max_lon', 'min_lat', 'max_lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_units_community_id'), ['community_id'], unique=False)

    for table in SPATIAL_TABLES:
        create_spatial_index(table)


def downgrade() -> None:
    for table in SPATIAL_TABLES:
        drop_spatial_index(table)
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_community_id'))
        batch_op.drop_index(batch_op.f('ix_units_building_id'))
        batch_op.drop_index('ix_units_bbox')

    op.drop_table('units')
    with op.batch_alter_table('paths', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paths_community_id'))
        batch_op.drop_index('ix_paths_bbox')

    op.drop_table('paths')
    with op.batch_alter_table('gates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gates_community_id'))
        batch_op.drop_index('ix_gates_bbox')

    op.drop_table('gates')
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facilities_kind'))
        batch_op.drop_index(batch_op.f('ix_facilities_community_id'))
        batch_op.drop_index('ix_facilities_bbox')

    op.drop_table('facilities')
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buildings_community_id'))
        batch_op.drop_index('ix_buildings_bbox')

    op.drop_table('buildings')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_table_name'))
        batch_op.drop_index(batch_op.f('ix_audit_log_feature_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_office_id'))

    op.drop_table('users')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communities_office_id'))
        batch_op.drop_index(batch_op.f('ix_communities_division_code'))
        batch_op.drop_index('ix_communities_bbox')

    op.drop_table('communities')
    op.drop_table('offices')
    with op.batch_alter_table('divisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_divisions_parent_code'))

    op.drop_table('divisions')
