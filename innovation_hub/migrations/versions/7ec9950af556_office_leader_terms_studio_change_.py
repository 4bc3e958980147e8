"""office: leader terms (领办人任期) backfilled with each studio's current leader; studio change requests

Revision ID: 7ec9950af556
Revises: 95676b62538c
Create Date: 2026-12-03 10:51:17

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7ec9950af556'
down_revision = '95676b62538c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'studio_leader_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('studio_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('studio_leader_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_studio_leader_terms_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_studio_leader_terms_studio_ended', ['studio_id', 'ended_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_studio_leader_terms_studio_id'), ['studio_id'], unique=False)
    # Every studio's leader so far holds a running term whose start the site never knew.
    op.execute("INSERT INTO studio_leader_terms (studio_id, person_id, started_on, ended_on) "
               "SELECT id, leader_id, NULL, NULL FROM studios WHERE leader_id IS NOT NULL")

    op.create_table(
        'studio_change_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('studio_id', sa.Integer(), nullable=False),
        sa.Column('field', sa.Enum('industry', 'host_unit', 'district', name='controlledfield', native_enum=False,
                                   length=20), nullable=False),
        sa.Column('old_value', sa.String(length=120), nullable=False),
        sa.Column('new_value', sa.String(length=120), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('state', sa.Enum('pending', 'approved', 'refused', name='requeststate', native_enum=False,
                                   length=20), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['studio_id'], ['studios.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('studio_change_requests', schema=None) as batch_op:
        batch_op.create_index('ix_studio_change_requests_state_studio', ['state', 'studio_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_studio_change_requests_studio_id'), ['studio_id'], unique=False)


def downgrade():
    with op.batch_alter_table('studio_change_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studio_change_requests_studio_id'))
        batch_op.drop_index('ix_studio_change_requests_state_studio')
    op.drop_table('studio_change_requests')
    with op.batch_alter_table('studio_leader_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studio_leader_terms_studio_id'))
        batch_op.drop_index('ix_studio_leader_terms_studio_ended')
        batch_op.drop_index(batch_op.f('ix_studio_leader_terms_person_id'))
    op.drop_table('studio_leader_terms')
