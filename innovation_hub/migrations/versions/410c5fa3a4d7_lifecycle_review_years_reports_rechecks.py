"""Lifecycle: 年度考核 years and reports, 复核 (rechecks), 摘牌 and 恢复 (studio status changes)

Revision ID: 410c5fa3a4d7
Revises: 7ec9950af556
Create Date: 2026-12-03 10:50:01.790561

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '410c5fa3a4d7'
down_revision = '7ec9950af556'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='yearstatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year')
    )
    op.create_table('annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_year_id', sa.Integer(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', name='reportstatus', native_enum=False, length=20), nullable=False),
    sa.Column('value_wan', sa.Integer(), nullable=True),
    sa.Column('training_sessions', sa.Integer(), nullable=False),
    sa.Column('apprentices', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Text(), nullable=False),
    sa.Column('achievement_count', sa.Integer(), nullable=True),
    sa.Column('patent_count', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=False),
    sa.Column('grade', sa.Enum('pass', 'basic', 'fail', name='grade', native_enum=False, length=20), nullable=True),
    sa.Column('grade_comment', sa.Text(), nullable=False),
    sa.Column('graded_at', sa.DateTime(), nullable=True),
    sa.Column('graded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['review_year_id'], ['review_years.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('review_year_id', 'studio_id', name='uq_annual_reports_year_studio')
    )
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_reports_review_year_id'), ['review_year_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annual_reports_studio_id'), ['studio_id'], unique=False)

    op.create_table('studio_rechecks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.Enum('passed', 'failed', name='recheckoutcome', native_enum=False, length=20), nullable=False),
    sa.Column('doc_number', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('studio_rechecks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studio_rechecks_studio_id'), ['studio_id'], unique=False)

    op.create_table('studio_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('studio_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('delist', 'restore', name='statusaction', native_enum=False, length=20), nullable=False),
    sa.Column('cause', sa.Enum('review', 'recheck', 'other', name='delistcause', native_enum=False, length=20), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('doc_number', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revoked_title_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('studio_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studio_status_changes_studio_id'), ['studio_id'], unique=False)



def downgrade():
    with op.batch_alter_table('studio_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studio_status_changes_studio_id'))

    op.drop_table('studio_status_changes')
    with op.batch_alter_table('studio_rechecks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studio_rechecks_studio_id'))

    op.drop_table('studio_rechecks')
    with op.batch_alter_table('annual_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_reports_studio_id'))
        batch_op.drop_index(batch_op.f('ix_annual_reports_review_year_id'))

    op.drop_table('annual_reports')
    op.drop_table('review_years')
