"""XPCC (兵, 新疆生产建设兵团) as an issuing authority beside the 31 provinces

Revision ID: 7eee67c8c658
Revises: c4a1e9d0b7f2
Create Date: 2026-12-01 21:33:02.100784

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7eee67c8c658'
down_revision = 'c4a1e9d0b7f2'
branch_labels = None
depends_on = None

# frozen here (not imported) so that later edits of the reference data cannot change history;
# "66" is devreg's code for the Corps (docs/rules.md §7)
XPCC = {"code": "66", "name_en": "Xinjiang Production & Construction Corps",
        "name_zh": "新疆生产建设兵团", "abbreviation": "兵"}


def upgrade():
    op.bulk_insert(
        sa.table("provinces", sa.column("code"), sa.column("name_en"), sa.column("name_zh"),
                 sa.column("abbreviation")),
        [XPCC],
    )


def downgrade():
    op.execute(sa.text("DELETE FROM provinces WHERE code = '66'"))
