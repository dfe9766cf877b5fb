"""The migration history: one head, and a clean upgrade, downgrade and upgrade again."""

from __future__ import annotations

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
