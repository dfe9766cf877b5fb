"""accounts: users.must_change_password, users.identity_note

must_change_password: existing accounts are not marked (false): nobody can tell afterwards which
passwords an administrator set. identity_note (why the name or email last changed) starts empty.

Revision ID: 06a9bc483013
Revises: 1eeec426feaa
Create Date: 2026-12-01 21:36:41.521671

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '06a9bc483013'
down_revision = '1eeec426feaa'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("identity_note", sa.String(length=200), nullable=True))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("must_change_password", server_default=None)


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("identity_note")
        batch_op.drop_column("must_change_password")
