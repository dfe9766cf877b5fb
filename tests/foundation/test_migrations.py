"""The migration history: one head, and a clean upgrade, downgrade and upgrade again."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from devreg import ROOT
from devreg.config import normalise_database_url
from devreg.extensions import db
from tests.foundation.helpers import dispose, make_app

FOUNDATION_TABLES = {"organisations", "users", "audit_events", "signatures", "provinces",
                     "catalogue_categories", "production_licences", "licence_scope"}


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def test_migration_history_scanned_has_single_head():
    heads = script_directory().get_heads()
    assert len(heads) == 1, heads


def test_migration_test_database_upgraded_is_at_head(app):
    version = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert version == list(script_directory().get_heads())


def test_migration_any_revision_read_has_a_downgrade():
    for revision in script_directory().walk_revisions():
        source = Path(revision.path).read_text(encoding="utf-8")
        assert "def downgrade" in source, revision.revision


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the engine the suite runs on; removed afterwards."""
    url = os.environ.get("DATABASE_URL")
    if not url or not normalise_database_url(url).startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import psycopg

    server = make_url(normalise_database_url(url))
    name = f"devreg_migrate_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql", database="postgres") \
        .render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_migration_upgrade_downgrade_upgrade_on_empty_database(app, tmp_path):
    with empty_database(tmp_path) as url:
        fresh = make_app(app, SQLALCHEMY_DATABASE_URI=url)
        try:
            with fresh.app_context():
                assert tables() == set()
                upgrade()
                created = tables()
                assert created >= FOUNDATION_TABLES
                assert created - {"alembic_version"} == set(db.metadata.tables) & created
                # the 31 provincial-level regions and 兵 (the XPCC)
                assert db.session.execute(text("SELECT count(*) FROM provinces")).scalar() == 32
                assert db.session.execute(
                    text("SELECT count(*) FROM catalogue_categories")).scalar() == 23
                db.session.remove()

                downgrade(revision="base")
                assert tables() <= {"alembic_version"}
                assert db.session.execute(
                    text("SELECT count(*) FROM alembic_version")).scalar() == 0
                db.session.remove()

                upgrade()
                assert tables() == created
                # the 31 provincial-level regions and 兵 (the XPCC)
                assert db.session.execute(text("SELECT count(*) FROM provinces")).scalar() == 32
                heads = db.session.execute(text("SELECT version_num FROM alembic_version"))
                assert heads.scalars().all() == list(script_directory().get_heads())
                db.session.remove()
        finally:
            dispose(fresh)


@pytest.mark.parametrize("table", sorted(FOUNDATION_TABLES))
def test_migration_upgrade_foundation_table_exists(app, table):
    assert table in tables()


FROZEN_CONTENT_REVISION = "eba17cdc57f5"


def test_migration_frozen_content_backfills_submitted_applications(app, tmp_path):
    """A database from before issue 8 (the demo, a province's): every submitted application
    gets round 1 of its submitted content, and the duplicate "current" files the old upload
    race left are resolved so the new unique indexes can be built."""
    previous = script_directory().get_revision(FROZEN_CONTENT_REVISION).down_revision
    with empty_database(tmp_path) as url:
        fresh = make_app(app, SQLALCHEMY_DATABASE_URI=url)
        try:
            with fresh.app_context():
                upgrade(revision=previous)
                now = "2026-03-02 08:00:00"
                statements = [
                    "INSERT INTO organisations (id, name_zh, uscc, province_code, address, "
                    "is_holder, is_manufacturer, is_regulator, created_at, updated_at) VALUES "
                    "(1, '注册人', '91130100MA0CKL001X', '13', '石家庄', true, false, false, "
                    ":t, :t)",
                    "INSERT INTO users (id, email, display_name, password_hash, role, "
                    "has_accept_duty, has_review_duty, has_approve_duty, is_active, "
                    "failed_logins, session_version, created_at, updated_at, organisation_id) "
                    "VALUES (1, 'h@x.cn', '张伟', 'x', 'holder', false, false, false, true, 0, 1,"
                    " :t, :t, 1)",
                    "INSERT INTO devices (id, holder_org_id, name, model_spec, structure, "
                    "intended_use, category_code, is_ivd_reagent, created_at, updated_at) VALUES "
                    "(1, 1, '旧血压计', 'BP-1', '主机', '测量血压', '07', false, :t, :t)",
                    "INSERT INTO applications (id, kind, state, version, device_id, "
                    "holder_org_id, province_code, created_by_id, is_priority, "
                    "declaration_accepted, created_at, updated_at, submitted_at, "
                    "production_address) VALUES (1, 'initial', 'submitted', 3, 1, 1, '13', 1, "
                    "false, true, :t, :t, :t, '河北省石家庄市')",
                    "INSERT INTO applications (id, kind, state, version, device_id, "
                    "holder_org_id, province_code, created_by_id, is_priority, "
                    "declaration_accepted, created_at, updated_at) VALUES "
                    "(2, 'initial', 'withdrawn', 1, 1, 1, '13', 1, false, false, :t, :t)",
                    # a double click's second draft beside the submitted application
                    "INSERT INTO applications (id, kind, state, version, device_id, "
                    "holder_org_id, province_code, created_by_id, is_priority, "
                    "declaration_accepted, created_at, updated_at) VALUES "
                    "(3, 'initial', 'draft', 1, 1, 1, '13', 1, false, false, :t, :t)",
                    "INSERT INTO signatures (id, signer_id, printed_name, meaning, signed_at, "
                    "subject_type, subject_id, content_hash) VALUES "
                    "(1, 1, '张伟', 'submitted', :t, 'Application', 1, :h)",
                ]
                for statement in statements:
                    db.session.execute(text(statement), {"t": now, "h": "a" * 64})
                for i, (version, current) in enumerate([(1, False), (2, True), (2, True)]):
                    db.session.execute(text(
                        "INSERT INTO dossier_files (id, application_id, chapter, version, "
                        "original_name, stored_name, size, content_type, sha256, is_current, "
                        "uploaded_by_id, uploaded_at) VALUES (:id, 1, '1', :v, 'f.pdf', :s, 10, "
                        "'application/pdf', :h, :c, 1, :t)"),
                        {"id": i + 1, "v": version, "s": f"stored{i}", "h": str(i) * 64,
                         "c": current, "t": now})
                db.session.commit()
                upgrade()
                rows = db.session.execute(text(
                    "SELECT application_id, round, event, content, files, signature_id "
                    "FROM application_contents")).all()
                assert len(rows) == 1  # the withdrawn draft was never submitted
                states = db.session.execute(text(
                    "SELECT id, state FROM applications ORDER BY id")).all()
                assert [tuple(r) for r in states] == [
                    (1, "submitted"), (2, "withdrawn"), (3, "withdrawn")]
                row = rows[0]
                assert (row.application_id, row.round, row.event, row.signature_id) == (
                    1, 1, "backfill", 1)
                content = row.content if isinstance(row.content, dict) else json.loads(
                    row.content)
                files = row.files if isinstance(row.files, dict) else json.loads(row.files)
                assert content["items"]["name"] == "旧血压计"
                assert content["items"]["production_address"] == "河北省石家庄市"
                assert files["1"]["id"] == 3  # the newest of the two "current" files
                current = db.session.execute(text(
                    "SELECT id, version FROM dossier_files WHERE is_current")).all()
                assert [tuple(r) for r in current] == [(3, 3)]
                versions = db.session.execute(text(
                    "SELECT version FROM dossier_files ORDER BY id")).scalars().all()
                assert versions == [1, 2, 3]
                db.session.commit()  # end the read: the downgrade drops these tables
                downgrade(revision=previous)
                upgrade()
        finally:
            dispose(fresh)
