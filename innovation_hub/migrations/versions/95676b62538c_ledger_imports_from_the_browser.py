"""ledger: imports uploaded in the browser (/admin/ledger), with their dry-run report and progress

Revision ID: 95676b62538c
Revises: 7a3d9e4c2b10
Create Date: 2026-12-03 10:50:24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '95676b62538c'
down_revision = '7a3d9e4c2b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ledger_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('original_name', sa.String(length=200), nullable=False),
        sa.Column('stored_name', sa.String(length=80), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('validating', 'validated', 'invalid', 'importing', 'done', 'failed',
                                    name='importstate', native_enum=False, length=20), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.Column('error_count', sa.Integer(), nullable=False),
        sa.Column('error_text', sa.Text(), nullable=False),
        sa.Column('delete_missing', sa.Boolean(), nullable=False),
        sa.Column('progress_done', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('stored_name'),
    )
    with op.batch_alter_table('ledger_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_imports_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_imports_uploaded_by_id'), ['uploaded_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ledger_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_imports_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_imports_status'))
    op.drop_table('ledger_imports')
