"""reports to resolution: categories, five states with their changes, routing to an
office, following; the points ledger, rewards and redemptions; volunteer activities
and wishes

Revision ID: 0010_reports
Revises: 0009_platforms
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_reports'
down_revision = '0009_platforms'
branch_labels = None
depends_on = None

# Old kinds and states → the plan's categories and the five states.
KINDS = {'gate_closed': 'access', 'no_number': 'wrong_location', 'no_parking': 'parking',
         'no_charging': 'charging', 'toilet_water': 'sanitation'}
STATES = {'new': 'submitted'}


def _when() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rider_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('follow_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seen_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sms_opt_in', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('photo_public', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('supporters', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_foreign_key('fk_reports_office_id', 'offices', ['office_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key('fk_reports_rider_id', 'riders', ['rider_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_index('ix_reports_office_id', ['office_id'])
        batch_op.create_index('ix_reports_rider_id', ['rider_id'])
        batch_op.create_unique_constraint('uq_reports_follow_digest', ['follow_digest'])
    reports = sa.table('reports', sa.column('kind', sa.String), sa.column('status', sa.String))
    for old, new in KINDS.items():
        op.execute(reports.update().where(reports.c.kind == old).values(kind=new))
    for old, new in STATES.items():
        op.execute(reports.update().where(reports.c.status == old).values(status=new))

    op.create_table(
        'report_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_report_changes_report_id', 'report_changes', ['report_id'])

    op.create_table(
        'volunteer_activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('hours', sa.Float(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        *_when(),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_volunteer_activities_office_id', 'volunteer_activities', ['office_id'])
    op.create_table(
        'volunteer_signups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('rider_id', sa.Integer(), nullable=False),
        *_when(),
        sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_by', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['activity_id'], ['volunteer_activities.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('activity_id', 'rider_id', name='uq_volunteer_signups'),
    )
    op.create_index('ix_volunteer_signups_activity_id', 'volunteer_signups', ['activity_id'])
    op.create_index('ix_volunteer_signups_rider_id', 'volunteer_signups', ['rider_id'])
    op.create_table(
        'wishes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rider_id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('taken_by', sa.String(length=120), nullable=True),
        *_when(),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_wishes_rider_id', 'wishes', ['rider_id'])
    op.create_index('ix_wishes_office_id', 'wishes', ['office_id'])
    op.create_index('ix_wishes_status', 'wishes', ['status'])

    op.create_table(
        'point_accounts',
        sa.Column('rider_id', sa.Integer(), nullable=False),
        sa.Column('balance', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('balance >= 0', name='ck_point_accounts_balance'),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('rider_id'),
    )
    op.create_table(
        'rewards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('merchant', sa.String(length=120), nullable=True),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('cost', sa.Integer(), nullable=False),
        sa.Column('stock', sa.Integer(), nullable=False),
        sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False),
        sa.Column('valid_until', sa.DateTime(timezone=True), nullable=False),
        *_when(),
        sa.CheckConstraint('stock >= 0', name='ck_rewards_stock'),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_rewards_office_id', 'rewards', ['office_id'])
    op.create_table(
        'redemptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reward_id', sa.Integer(), nullable=False),
        sa.Column('rider_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('cost', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        *_when(),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_by', sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(['reward_id'], ['rewards.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_index('ix_redemptions_reward_id', 'redemptions', ['reward_id'])
    op.create_index('ix_redemptions_rider_id', 'redemptions', ['rider_id'])
    op.create_table(
        'point_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rider_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=True),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('activity_id', sa.Integer(), nullable=True),
        sa.Column('redemption_id', sa.Integer(), nullable=True),
        sa.Column('reverses_id', sa.Integer(), nullable=True),
        *_when(),
        sa.ForeignKeyConstraint(['rider_id'], ['riders.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['activity_id'], ['volunteer_activities.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['redemption_id'], ['redemptions.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reverses_id'], ['point_entries.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reverses_id'),
    )
    op.create_index('ix_point_entries_rider_id', 'point_entries', ['rider_id'])
    op.create_index('ix_point_entries_office_id', 'point_entries', ['office_id'])
    op.create_index('ix_point_entries_created_at', 'point_entries', ['created_at'])


def downgrade() -> None:
    for table in ('point_entries', 'redemptions', 'rewards', 'point_accounts', 'wishes',
                  'volunteer_signups', 'volunteer_activities', 'report_changes'):
        op.drop_table(table)
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint('uq_reports_follow_digest', type_='unique')
        batch_op.drop_index('ix_reports_rider_id')
        batch_op.drop_index('ix_reports_office_id')
        batch_op.drop_constraint('fk_reports_rider_id', type_='foreignkey')
        batch_op.drop_constraint('fk_reports_office_id', type_='foreignkey')
        for column in ('supporters', 'photo_public', 'sms_opt_in', 'seen_status',
                       'follow_digest', 'rider_id', 'office_id'):
            batch_op.drop_column(column)
