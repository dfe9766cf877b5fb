"""calendar version: one token that changes with every schedule or regulator-holiday write

Revision ID: c4a1e9d0b7f2
Revises: 898e281f9321
Create Date: 2026-12-01 21:40:00

"""
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4a1e9d0b7f2'
down_revision = '898e281f9321'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('calendar_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_calendar_version_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_version'))
    )
    # existing databases get their first token now
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex,
                            "changed_at": datetime.now(timezone.utc)}])


def downgrade():
    op.drop_table('calendar_version')
