"""catalogue: patents' stored term end and legal status override; per-year value lines of achievements

Revision ID: 168e1bc5e103
Revises: 410c5fa3a4d7
Create Date: 2026-12-03 10:48:18

Existing patents get their term end computed; every achievement with an economic value gets one 自报
line of its year for that value, so the lines add up to value_wan from the start.
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '168e1bc5e103'
down_revision = '410c5fa3a4d7'
branch_labels = None
depends_on = None

DESIGN_15_YEARS_FROM = date(2021, 6, 1)
TERM_YEARS = {"invention": 20, "utility": 10}


def _term_end(kind, filing):
    """patent_numbers.term_end as of this revision (a migration does not import the app's code)."""
    if filing is None:
        return None
    if isinstance(filing, str):
        filing = date.fromisoformat(filing[:10])
    years = TERM_YEARS.get(kind, 15 if filing >= DESIGN_15_YEARS_FROM else 10)
    try:
        anniversary = filing.replace(year=filing.year + years)
    except ValueError:  # 29 February
        anniversary = filing.replace(year=filing.year + years, day=28)
    return date.fromordinal(anniversary.toordinal() - 1)


def upgrade():
    op.create_table(
        'value_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('achievement_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('amount_wan', sa.Integer(), nullable=False),  # Hundredths: 0.01 万元
        sa.Column('basis', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('self_reported', 'verified', name='valuestatus', native_enum=False, length=20),
                  server_default='self_reported', nullable=False),
        sa.Column('evidence_name', sa.String(length=200), server_default='', nullable=False),
        sa.Column('evidence_stored_name', sa.String(length=80), nullable=True),
        sa.Column('evidence_content_type', sa.String(length=40), server_default='', nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('verified_by_id', sa.Integer(), nullable=True),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['verified_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('evidence_stored_name'),
    )
    op.create_index('ix_value_lines_achievement_status', 'value_lines', ['achievement_id', 'status'])

    with op.batch_alter_table('patents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('term_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('legal_status_override', sa.Enum(
            'pending', 'in_force', 'expired', 'lapsed', name='legalstatus', native_enum=False, length=20),
            nullable=True))
        batch_op.add_column(sa.Column('legal_status_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_index('ix_patents_status_grant_term', ['status', 'grant_date', 'term_end',
                                                               'legal_status_override', 'kind', 'filing_date',
                                                               'studio_id'], unique=False)
        batch_op.create_index('ix_patents_status_filing', ['status', 'filing_date'], unique=False)

    connection = op.get_bind()
    patents = sa.table('patents', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                       sa.column('filing_date', sa.Date), sa.column('term_end', sa.Date))
    rows = [{"pid": pid, "term_end": _term_end(kind, filing)} for pid, kind, filing in connection.execute(
        sa.select(patents.c.id, patents.c.kind, patents.c.filing_date).where(patents.c.filing_date.is_not(None)))]
    if rows:
        connection.execute(patents.update().where(patents.c.id == sa.bindparam("pid"))
                           .values(term_end=sa.bindparam("term_end")), rows)
    connection.execute(sa.text(
        "INSERT INTO value_lines (achievement_id, year, amount_wan, basis, status, evidence_name, "
        "evidence_content_type, created_at, updated_at) "
        "SELECT id, year, value_wan, '按台账登记的经济效益', 'self_reported', '', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
        "FROM achievements WHERE value_wan IS NOT NULL"))


def downgrade():
    with op.batch_alter_table('patents', schema=None) as batch_op:
        batch_op.drop_index('ix_patents_status_filing')
        batch_op.drop_index('ix_patents_status_grant_term')
        batch_op.drop_column('legal_status_reason')
        batch_op.drop_column('legal_status_override')
        batch_op.drop_column('term_end')
    op.drop_index('ix_value_lines_achievement_status', table_name='value_lines')
    op.drop_table('value_lines')
