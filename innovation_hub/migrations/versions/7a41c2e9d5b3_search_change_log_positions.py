"""search change log: per-index positions, prune mark, monotonic outbox ids

Revision ID: 7a41c2e9d5b3
Revises: 5b0ecd74cf62
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a41c2e9d5b3'
down_revision = '5b0ecd74cf62'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_index_positions',
    sa.Column('index_id', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('folder', sa.String(length=100), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('high', sa.BigInteger(), nullable=False),
    sa.Column('gaps', sa.Text(), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('index_id')
    )
    log_state = op.create_table('search_log_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(log_state, [{'id': 1, 'pruned_through': 0}])
    # SQLite: AUTOINCREMENT, so that ids are never reused once the log is pruned (PostgreSQL's sequence
    # never reuses them). Rebuilding the table keeps its rows.
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('search_outbox', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.alter_column('id', existing_type=sa.Integer(), nullable=False)


def downgrade():
    op.drop_table('search_log_state')
    op.drop_table('search_index_positions')
