"""imports: the source of every imported record, and signed counter settings

Revision ID: a14f7c2e9b01
Revises: d7e2f0a1c3b4
Create Date: 2026-12-02 02:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a14f7c2e9b01'
down_revision = 'd7e2f0a1c3b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'imported_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('natural_key', sa.String(length=200), nullable=False),
        sa.Column('subject_type', sa.String(length=40), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('source_file', sa.String(length=255), nullable=False),
        sa.Column('source_row', sa.Integer(), nullable=False),
        sa.Column('row_hash', sa.String(length=64), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'],
                                name=op.f('fk_imported_records_imported_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_records')),
        sa.UniqueConstraint('kind', 'natural_key', name='uq_imported_record_key'),
    )
    op.create_table(
        'counter_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('province_code', sa.String(length=2), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('previous_value', sa.Integer(), nullable=False),
        sa.Column('new_value', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=False),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('signature_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['province_code'], ['provinces.code'],
                                name=op.f('fk_counter_settings_province_code_provinces')),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'],
                                name=op.f('fk_counter_settings_set_by_id_users')),
        sa.ForeignKeyConstraint(['signature_id'], ['signatures.id'],
                                name=op.f('fk_counter_settings_signature_id_signatures')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_settings')),
    )


def downgrade():
    op.drop_table('counter_settings')
    op.drop_table('imported_records')
