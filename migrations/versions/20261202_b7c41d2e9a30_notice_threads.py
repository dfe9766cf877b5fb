"""notice threads: written notices between provinces, answers, attachments, read receipts

Revision ID: b7c41d2e9a30
Revises: a13b0c5e7f21
Create Date: 2026-12-02 02:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7c41d2e9a30'
down_revision = 'a13b0c5e7f21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notices') as batch_op:
        batch_op.add_column(sa.Column('read_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('from_province_code', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('author_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('thread_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notices_read_by_id_users'), 'users',
                                    ['read_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notices_from_province_code_provinces'),
                                    'provinces', ['from_province_code'], ['code'])
        batch_op.create_foreign_key(batch_op.f('fk_notices_author_id_users'), 'users',
                                    ['author_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_notices_thread_id_notices'), 'notices',
                                    ['thread_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_notices_thread_id'), ['thread_id'])
    op.create_table(
        'notice_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'],
                                name=op.f('fk_notice_attachments_notice_id_notices')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_attachments')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_notice_attachments_stored_name')),
    )
    op.create_index(op.f('ix_notice_attachments_notice_id'), 'notice_attachments',
                    ['notice_id'])


def downgrade():
    op.drop_index(op.f('ix_notice_attachments_notice_id'), table_name='notice_attachments')
    op.drop_table('notice_attachments')
    with op.batch_alter_table('notices') as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_thread_id'))
        batch_op.drop_constraint(batch_op.f('fk_notices_thread_id_notices'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notices_author_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notices_from_province_code_provinces'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_notices_read_by_id_users'), type_='foreignkey')
        batch_op.drop_column('thread_id')
        batch_op.drop_column('body')
        batch_op.drop_column('author_id')
        batch_op.drop_column('from_province_code')
        batch_op.drop_column('read_by_id')
