"""accounts: must_change_password, set when an administrator resets a password to a temporary one

Revision ID: 7a3d9e4c2b10
Revises: 0c5e2a7b91d4
Create Date: 2026-12-03 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a3d9e4c2b10'
down_revision = '0c5e2a7b91d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
