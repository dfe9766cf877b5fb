"""The trail detects what a database writer can do behind the application: truncation (newest
events, all events), rewriting and re-chaining with plain SHA-256, SQL edits of audited rows,
and (on PostgreSQL) the trigger refuses UPDATE and DELETE outright."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from devreg import create_app
from devreg.audit import queries
from devreg.audit.models import GENESIS_HASH, LEGACY, AuditEvent, legacy_hash
from devreg.audit.queries import _content
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.extensions import db
from devreg.orgs.queries import find_by_uscc
from devreg.orgs.services import OrganisationData, create_organisation
from tests.conftest import login, post
from tests.foundation.helpers import make_uscc, tamper
from tests.foundation.test_audit import ORG_FORM
from tests.registrations.helpers import certificate_for


def cli(app, *args):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


def verify(app):  # type: ignore[no-untyped-def]
    return cli(app, "audit", "verify")


def checkpoint(app, *args):  # type: ignore[no-untyped-def]
    result = cli(app, "audit", "checkpoint", *args)
    assert result.exit_code == 0, result.output
    return result


def event_ids() -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def checkpoint_lines(app) -> list[dict]:  # type: ignore[no-untyped-def]
    path = Path(app.config["AUDIT_CHECKPOINT_PATH"])
    return [json.loads(line) for line in path.read_text().splitlines()]


def rechain(rows_to_edit: dict[int, dict] | None = None, *, version: int | None = None,
            through: int | None = None) -> None:
    """What an attacker with write access but no key does: edit events, then recompute every
    hash (up to event ``through``) with plain SHA-256 so each link matches again, optionally
    relabelling the version."""
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if through is not None:
        query = query.where(AuditEvent.id <= through)
    events = list(db.session.scalars(query))
    prev = GENESIS_HASH
    statements = []
    for event in events:
        values = dict((rows_to_edit or {}).get(event.id, {}))
        content = _content(type("Row", (), {**{c: getattr(event, c) for c in (
            "created_at", "actor_id", "actor_email", "client_address", "subject_type",
            "subject_id", "action", "before", "after")}, **values})())
        digest = legacy_hash(content, prev)
        statements.append((event.id, prev, digest, values))
        prev = digest
    for event_id, prev_hash, digest, values in statements:
        sets = ", ".join(f"{column} = :{column}" for column in values if column != "after")
        params = {k: v for k, v in values.items() if k != "after"}
        if "after" in values:
            cast = "CAST(:after AS JSON)" if db.engine.dialect.name == "postgresql" else ":after"
            sets = ", ".join(filter(None, [sets, f"after = {cast}"]))
            params["after"] = json.dumps(values["after"], ensure_ascii=False)
        if version is not None:
            sets = ", ".join(filter(None, [sets, "chain_version = :version"]))
            params["version"] = version
        sets = ", ".join(filter(None, [sets, "prev_hash = :prev, hash = :hash"]))
        # hashes are unique: park the new value under a temporary name first would be needed
        # only on a collision, which SHA-256 does not give here
        tamper(f"UPDATE audit_events SET {sets} WHERE id = :id",  # noqa: S608 - test SQL
               id=event_id, prev=prev_hash, hash=digest, **params)


# --- checkpoints: truncation ------------------------------------------------------------------

def test_verify_after_checkpoint_newest_50_events_deleted_reports_truncation(app, trail):
    ids = event_ids()
    assert len(ids) > 60
    checkpoint(app)
    intact = verify(app)
    assert intact.exit_code == 0
    assert "; 1 checkpoint matches;" in intact.stdout
    tamper("DELETE FROM audit_events WHERE id >= :id", id=ids[-50])
    result = verify(app)
    assert result.exit_code == 1
    assert (f"TRUNCATED: the checkpoint of {checkpoint_lines(app)[0]['at']} (line 1) recorded "
            f"{len(ids)} events (newest id {ids[-1]}), the trail now holds {len(ids) - 50}"
            in result.stdout)


def test_verify_after_checkpoint_all_events_deleted_reports_truncation(app, demo):
    count = len(event_ids())
    checkpoint(app)
    tamper("DELETE FROM audit_events")
    result = verify(app)
    assert result.exit_code == 1
    assert f"recorded {count} events" in result.stdout
    assert "the trail now holds 0" in result.stdout


def create_orgs(client, count: int) -> None:  # type: ignore[no-untyped-def]
    login(client, "admin")
    for n in range(count):
        response = post(client, "/admin/organisations/new",
                        {**ORG_FORM, "uscc": make_uscc(f"91350200MA00000{n:02d}"),
                         "name_zh": f"测试公司{n}"}, token_from="/admin/organisations/new")
        assert response.status_code == 302


@pytest.fixture
def trail(demo):  # type: ignore[no-untyped-def]
    """The demo's events and 60 more, one commit each (as 60 requests would)."""
    with acting_as(None, "test"):
        for n in range(60):
            create_organisation(OrganisationData(
                name_zh=f"批量公司{n}", name_en=None, uscc=make_uscc(f"91110000MA00001{n:02d}"),
                province_code="11", address="北京市", is_holder=True, is_manufacturer=False,
                is_regulator=False))
            db.session.commit()
    return demo


def test_verify_events_deleted_then_new_ones_appended_reports_the_rewritten_position(app, demo,
                                                                                     client):
    count = len(event_ids())
    checkpoint(app)
    tamper("DELETE FROM audit_events WHERE id > :id", id=event_ids()[-5])
    create_orgs(client, 6)  # new events chain onto the truncated head, past the checkpoint
    assert len(event_ids()) >= count
    result = verify(app)
    assert result.exit_code == 1
    assert f"recorded event {count} with hash" in result.stdout
    assert "REWRITTEN" in result.stdout


def test_verify_without_checkpoints_newest_events_deleted_leaves_only_rows_to_tell(app, trail):
    """Why checkpoints exist: the chain alone still links; only the rows those events created
    give the deletion away (and a deletion of events about deleted rows would not)."""
    ids = event_ids()
    tamper("DELETE FROM audit_events WHERE id >= :id", id=ids[-50])
    assert queries.verify_trail().intact
    result = verify(app)
    assert result.exit_code == 1
    assert "TRUNCATED" not in result.stdout
    assert result.stdout.count("no event in the trail created it") == 50


# --- rewriting and re-chaining ----------------------------------------------------------------

def test_verify_event_rewritten_and_chain_rehashed_with_sha256_is_broken(app, demo):
    ids = event_ids()
    target = ids[len(ids) // 2]
    rechain({target: {"action": "delete"}})
    result = verify(app)
    assert result.exit_code == 1
    # the first event re-hashed without the key already fails (every event was re-hashed)
    assert f"BROKEN at event {ids[0]}: content does not match its hash (HMAC under AUDIT_KEY)" \
        in result.stdout


def test_verify_whole_chain_relabelled_legacy_and_rehashed_is_caught_by_a_checkpoint(app, demo):
    ids = event_ids()
    checkpoint(app)
    rechain({ids[3]: {"actor_email": "someone-else@demo.devreg"}}, version=LEGACY)
    result = verify(app)
    assert result.exit_code == 1
    assert f"REWRITTEN: the checkpoint of {checkpoint_lines(app)[0]['at']} (line 1) recorded " \
           f"event {len(ids)}" in result.stdout


def test_verify_legacy_segment_before_keyed_events_verifies(app, demo, client):
    """A database migrated from the SHA-256 chain: old events stay verifiable as legacy."""
    legacy = len(event_ids())
    rechain(version=LEGACY)
    create_orgs(client, 1)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"({legacy} legacy SHA-256 events)" in result.stdout
    first_keyed = db.session.scalar(select(AuditEvent).where(AuditEvent.id > event_ids()[
        legacy - 1]).order_by(AuditEvent.id).limit(1))
    assert first_keyed.chain_version == 2
    # rewriting a legacy event and re-chaining the legacy segment breaks the first keyed
    # event, whose MAC covers the last legacy hash
    ids = event_ids()
    rechain({ids[2]: {"actor_email": "nobody@demo.devreg"}}, version=LEGACY,
            through=ids[legacy - 1])
    result = verify(app)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"BROKEN at event {first_keyed.id}: previous-hash link does not match")


def test_verify_legacy_event_after_keyed_events_is_broken(app, demo):
    ids = event_ids()
    event = db.session.get(AuditEvent, ids[-1])
    digest = legacy_hash(event.content(), event.prev_hash)
    tamper("UPDATE audit_events SET chain_version = 1, hash = :hash WHERE id = :id",
           hash=digest, id=ids[-1])
    result = verify(app)
    assert result.exit_code == 1
    assert f"BROKEN at event {ids[-1]}: a legacy (unkeyed) event after keyed events" \
        in result.stdout


def test_verify_under_another_audit_key_reports_every_event_broken(app, demo):
    other = create_app({**{k: app.config[k] for k in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "AUDIT_CHECKPOINT_PATH")},
        "SECRET_KEY": "s", "AUDIT_KEY": "another-key"})
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["audit", "verify"])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 1
    assert "HMAC under AUDIT_KEY" in result.stdout


# --- checkpoint file --------------------------------------------------------------------------

def test_checkpoint_appends_a_signed_line_and_verify_counts_it(app, demo):
    checkpoint(app)
    checkpoint(app)
    lines = checkpoint_lines(app)
    assert len(lines) == 2
    assert lines[0]["events"] == len(event_ids())
    assert lines[0]["head_id"] == event_ids()[-1]
    assert set(lines[0]) == {"v", "events", "legacy", "head_id", "head_hash", "at", "mac"}
    result = verify(app)
    assert result.exit_code == 0
    assert "2 checkpoints match" in result.stdout


def test_checkpoint_to_stdout_prints_the_line_and_writes_no_file(app, demo):
    result = checkpoint(app, "--path", "-")
    line = json.loads(result.stdout)
    assert line["events"] == len(event_ids())
    assert not Path(app.config["AUDIT_CHECKPOINT_PATH"]).exists()


def test_verify_edited_checkpoint_line_is_reported(app, demo):
    checkpoint(app)
    path = Path(app.config["AUDIT_CHECKPOINT_PATH"])
    line = json.loads(path.read_text())
    line["events"] -= 10  # to make a truncation look legitimate
    path.write_text(json.dumps(line) + "\n")
    result = verify(app)
    assert result.exit_code == 1
    assert "CHECKPOINT line 1 has a signature that does not match" in result.stdout


def test_checkpoint_refused_when_the_trail_was_truncated_since_the_last(app, demo):
    checkpoint(app)
    tamper("DELETE FROM audit_events WHERE id >= :id", id=event_ids()[-3])
    result = cli(app, "audit", "checkpoint")
    assert result.exit_code == 1
    assert result.stdout.startswith("Refused: the trail does not extend the last checkpoint: "
                                    "TRUNCATED")
    assert len(checkpoint_lines(app)) == 1


def test_checkpoint_refused_when_an_event_since_the_last_was_rewritten(app, demo, client):
    checkpoint(app)
    create_orgs(client, 2)
    newest = event_ids()[-1]
    tamper("UPDATE audit_events SET actor_email = 'x@example.com' WHERE id = :id", id=newest)
    result = cli(app, "audit", "checkpoint")
    assert result.exit_code == 1
    assert f"BROKEN at event {newest}: content does not match its hash" in result.stdout
    assert len(checkpoint_lines(app)) == 1


def test_checkpoint_refused_when_events_were_replaced_past_it(app, demo, client):
    count = len(event_ids())
    checkpoint(app)
    tamper("DELETE FROM audit_events WHERE id > :id", id=event_ids()[-3])
    create_orgs(client, 3)
    result = cli(app, "audit", "checkpoint")
    assert result.exit_code == 1
    assert f"REWRITTEN: the checkpoint of {checkpoint_lines(app)[0]['at']} (line 1) recorded " \
           f"event {count}" in result.stdout


def test_checkpoint_after_new_events_extends_the_last(app, demo, client):
    checkpoint(app)
    create_orgs(client, 2)
    checkpoint(app)
    first, second = checkpoint_lines(app)
    assert second["events"] == first["events"] + 2
    assert verify(app).exit_code == 0


# --- SQL edits of audited rows ----------------------------------------------------------------

def test_verify_sql_edit_of_certificate_and_application_reports_record_and_field(app, demo):
    certificate = certificate_for(demo)
    assert verify(app).exit_code == 0, verify(app).output
    tamper("UPDATE certificates SET holder_name = :name WHERE id = :id",
           name="伪造公司", id=certificate.id)
    from devreg.registrations.models import Application

    application = db.session.scalar(select(Application).where(
        Application.certificate_id == certificate.id).order_by(Application.id).limit(1))
    tamper("UPDATE applications SET opinion_text = :text WHERE id = :id",
           text="篡改的审评意见", id=application.id)
    result = verify(app)
    assert result.exit_code == 1
    assert f"ROW Certificate {certificate.id} field holder_name: the trail says " in result.stdout
    assert "the row holds '伪造公司'" in result.stdout
    assert f"ROW Application {application.id} field opinion_text:" in result.stdout


def inject_admin_like_user() -> int:
    """A copy of the admin's row under another e-mail, inserted by SQL."""
    columns = [c.name for c in User.__table__.columns if c.name not in ("id", "email")]
    tamper(f"INSERT INTO users (email, {', '.join(columns)}) "  # noqa: S608 - test SQL
           f"SELECT 'root@evil.example', {', '.join(columns)} FROM users WHERE email = :admin",
           admin="admin@demo.devreg")
    return db.session.scalar(text("SELECT id FROM users WHERE email = 'root@evil.example'"))


def test_verify_row_inserted_behind_the_application_is_reported(app, demo):
    injected = inject_admin_like_user()
    result = verify(app)
    assert result.exit_code == 1
    assert f"ROW User {injected}: no event in the trail created it" in result.stdout


def test_verify_row_deleted_behind_the_application_is_reported(app, demo, client):
    create_orgs(client, 1)
    org_id = find_by_uscc(make_uscc("91350200MA0000000")).id
    tamper("DELETE FROM organisations WHERE id = :id", id=org_id)
    result = verify(app)
    assert result.exit_code == 1
    assert f"ROW Organisation {org_id}: missing, but the trail records no deletion" \
        in result.stdout


def test_verify_reads_in_batches_across_boundaries(app, demo, monkeypatch):
    """Keyset batches (bounded memory): tiny batches give the same answer as one."""
    monkeypatch.setattr(queries, "BATCH", 7)
    monkeypatch.setattr(queries, "ROW_BATCH", 3)
    monkeypatch.setattr(queries, "PROGRESS_EVERY", 5)
    org = demo.org("holder_hebei")
    with acting_as(None, "test"):  # one record with more events than a batch holds
        for n in range(9):
            org.address = f"河北省石家庄市 {n} 号"
            db.session.commit()
    lines: list[str] = []
    report = queries.verify_trail(progress=lines.append)
    assert report.intact
    assert report.events == len(event_ids())
    assert lines[:2] == ["audit verify: 5 events checked", "audit verify: 10 events checked"]
    assert queries.verify_rows() == []
    org_id, address = org.id, org.address
    tamper("UPDATE organisations SET address = 'elsewhere' WHERE id = :id", id=org_id)
    assert [p for p in queries.verify_rows() if p.startswith("ROW Organisation")] == [
        f"ROW Organisation {org_id} field address: the trail says "
        f"{address!r}, the row holds 'elsewhere'"]


# --- PostgreSQL: the trigger ------------------------------------------------------------------

@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'",
                                       "DELETE FROM audit_events"])
def test_postgres_trigger_refuses_update_and_delete_of_events(app, demo, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's (SQLite has no roles to pair it "
                    "with)")
    count = len(event_ids())
    with pytest.raises(DBAPIError, match="audit_events is append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert len(event_ids()) == count


# --- the key ----------------------------------------------------------------------------------

def test_config_outside_development_without_audit_key_refuses_to_start(app):
    with pytest.raises(RuntimeError, match="AUDIT_KEY is not set"):
        create_app({"SECRET_KEY": "a-real-secret", "DEVREG_ENV": "production",
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_config_audit_key_equal_to_secret_key_refuses_to_start(app):
    with pytest.raises(RuntimeError, match="AUDIT_KEY must differ from SECRET_KEY"):
        create_app({"SECRET_KEY": "same-secret", "AUDIT_KEY": "same-secret",
                    "DEVREG_ENV": "production",
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_config_audit_key_and_checkpoint_path_from_the_environment(app, monkeypatch, tmp_path):
    # production wants 32 random bytes per key, PUBLIC_URL and a shared limiter store
    monkeypatch.setenv("AUDIT_KEY", "key-from-env-9QxT2mWv7LpZ4sKd8RbN3cYh6J")
    monkeypatch.setenv("AUDIT_CHECKPOINT_PATH", str(tmp_path / "cp.jsonl"))
    configured = create_app({"SECRET_KEY": "a-real-secret-Hq3Vn8Xw2KtP6zLm9RcB4dYf7",
                             "DEVREG_ENV": "production", "PUBLIC_URL": "https://devreg.example",
                             "RATELIMIT_ALLOW_MEMORY": True,
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert configured.config["AUDIT_KEY"] == "key-from-env-9QxT2mWv7LpZ4sKd8RbN3cYh6J"
    assert configured.config["AUDIT_CHECKPOINT_PATH"] == str(tmp_path / "cp.jsonl")


def test_config_default_checkpoint_path_is_in_the_instance_folder(app, monkeypatch):
    monkeypatch.delenv("AUDIT_CHECKPOINT_PATH", raising=False)
    configured = create_app({"TESTING": True,
                             "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert configured.config["AUDIT_CHECKPOINT_PATH"] == str(
        Path(configured.instance_path) / "audit-checkpoints.jsonl")


def test_migration_existing_sha256_events_become_a_verifying_legacy_segment(app, tmp_path):
    """A database from before the key: the migration marks its events legacy and they keep
    verifying (test_verify_legacy_segment_before_keyed_events_verifies chains keyed ones on)."""
    from flask_migrate import upgrade
    from sqlalchemy import JSON, Integer, String, column, table

    from devreg.audit.models import event_content
    from devreg.db import UTCDateTime, utcnow
    from tests.foundation.helpers import dispose, make_app
    from tests.foundation.test_migrations import empty_database

    old_table = table(  # audit_events as it was before the migration (no chain_version)
        "audit_events", column("created_at", UTCDateTime()), column("actor_id", Integer),
        *(column(name, String) for name in ("actor_email", "client_address", "subject_type",
                                             "action", "prev_hash", "hash")),
        column("subject_id", Integer), column("before", JSON), column("after", JSON))
    with empty_database(tmp_path) as url:
        old = make_app(app, SQLALCHEMY_DATABASE_URI=url)
        try:
            with old.app_context():
                upgrade(revision="898e281f9321")
                prev = GENESIS_HASH
                for n in (1, 2):
                    created = utcnow()
                    fields = {"actor_id": None, "actor_email": "system", "client_address": None,
                              "subject_type": "Nothing", "subject_id": n, "action": "create",
                              "before": None, "after": {"n": n}}
                    digest = legacy_hash(event_content(created_at=created, **fields), prev)
                    db.session.execute(old_table.insert().values(
                        created_at=created, prev_hash=prev, hash=digest, **fields))
                    prev = digest
                db.session.commit()
                upgrade()
                assert db.session.scalars(select(AuditEvent.chain_version)).all() == [1, 1]
                report = queries.verify_trail()
                assert report.intact, report.problems
                assert report.legacy == 2
                db.session.remove()
        finally:
            dispose(old)
