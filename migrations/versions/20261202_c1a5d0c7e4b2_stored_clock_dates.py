"""stored clock dates: the first due-soon and the first overdue day of each running clock

Revision ID: c1a5d0c7e4b2
Revises: 62d2d50939ec
Create Date: 2026-12-02 02:20:00

The values are derived: `flask sweep` (or any change to an application) fills them.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c1a5d0c7e4b2'
down_revision = '62d2d50939ec'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications') as batch_op:
        batch_op.add_column(sa.Column('clock_soon_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('clock_overdue_from', sa.Date(), nullable=True))
        batch_op.create_index('ix_applications_province_clock',
                              ['province_code', 'clock_overdue_from'])


def downgrade():
    with op.batch_alter_table('applications') as batch_op:
        batch_op.drop_index('ix_applications_province_clock')
        batch_op.drop_column('clock_overdue_from')
        batch_op.drop_column('clock_soon_from')
