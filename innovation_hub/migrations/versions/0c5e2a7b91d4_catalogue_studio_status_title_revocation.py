"""catalogue: a studio's status (有效/摘牌) and when, by which document and why a title was revoked

Revision ID: 0c5e2a7b91d4
Revises: 53fb42228cf9
Create Date: 2026-12-03 10:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0c5e2a7b91d4'
down_revision = '53fb42228cf9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('studios', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('active', 'delisted', name='studiostatus', native_enum=False,
                                                        length=20), server_default='active', nullable=False))
        batch_op.add_column(sa.Column('delisted_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_studios_status'), ['status'], unique=False)

    with op.batch_alter_table('studio_titles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('revoke_doc_number', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('revoke_reason', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('studio_titles', schema=None) as batch_op:
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('revoke_doc_number')
        batch_op.drop_column('revoked_on')

    with op.batch_alter_table('studios', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_studios_status'))
        batch_op.drop_column('delisted_on')
        batch_op.drop_column('status')
