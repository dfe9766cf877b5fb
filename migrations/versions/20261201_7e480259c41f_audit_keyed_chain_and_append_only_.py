"""audit: keyed (HMAC) chain version column; append-only trigger on PostgreSQL

Existing events were chained with plain SHA-256: they are marked chain_version 1 (legacy) and
keep verifying as a legacy segment; every event written after this migration is HMAC-SHA256
under AUDIT_KEY (chain_version 2) and its MAC covers the last legacy hash. Take a checkpoint
(`flask audit checkpoint`) right after upgrading so the legacy segment is also anchored outside
the database.

On PostgreSQL a trigger refuses UPDATE and DELETE on audit_events (TRUNCATE, used by the test
suite and by nobody else, is left to privileges: grant the app role INSERT and SELECT only).

Revision ID: 7e480259c41f
Revises: e16bf9b65a21
Create Date: 2026-12-01 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e480259c41f'
down_revision = 'e16bf9b65a21'
branch_labels = None
depends_on = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        # server default 1: every existing row is a legacy (SHA-256) event
        batch_op.add_column(sa.Column('chain_version', sa.SmallInteger(), nullable=False,
                                      server_default='1'))
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('chain_version', server_default=None)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "
                   "audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('chain_version')
