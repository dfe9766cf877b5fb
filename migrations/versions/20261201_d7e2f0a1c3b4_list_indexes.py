"""list indexes: the filters of every list, and trigram indexes for the registry's search

Revision ID: d7e2f0a1c3b4
Revises: 63bc34a2c13f
Create Date: 2026-12-01 22:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd7e2f0a1c3b4'
down_revision = '63bc34a2c13f'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_applications_assigned_reviewer_id", "applications", ["assigned_reviewer_id"]),
    ("ix_certificates_province_code", "certificates", ["province_code"]),
    ("ix_certificates_status", "certificates", ["status"]),
    ("ix_certificates_approved_on", "certificates", ["approved_on"]),
    ("ix_production_licences_organisation_id", "production_licences", ["organisation_id"]),
    ("ix_production_licences_province_code", "production_licences", ["province_code"]),
]
#: PostgreSQL only: ILIKE '%text%' searches answered from a GIN trigram index (the names
#: start with ix_trgm_, which migrations/env.py leaves out of autogenerate)
TRIGRAM = [
    ("ix_trgm_certificates_number", "certificates", "number"),
    ("ix_trgm_certificates_device_name", "certificates", "device_name"),
    ("ix_trgm_certificates_holder_name", "certificates", "holder_name"),
    ("ix_trgm_devices_name", "devices", "name"),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, table, column in TRIGRAM:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _column in TRIGRAM:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
