"""Restore refuses a tampered or broken archive with one clear line, before committing anything:
a forged holder name, an injected admin-like user row, replaced dossier bytes, a truncated
audit chain, a truncated gzip, an unknown column, a constraint violation, a bad manifest, the
wrong key. And a backup taken while writes happen is one snapshot."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from devreg import backup
from devreg.audit.models import AuditEvent
from devreg.audit.services import acting_as
from devreg.clock import china_today
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.orgs.services import OrganisationData, create_organisation
from tests.foundation.helpers import make_uscc
from tests.registrations.helpers import submitted_application
from tests.resilience.helpers import jsonl, read_archive, rewrite, rows_of, second_instance


@pytest.fixture
def archive(app, demo, tmp_path):  # type: ignore[no-untyped-def]
    submitted_application(demo, today=china_today())
    path = tmp_path / "good.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return path


def restore_into_empty(app, tmp_path, path, **overrides):  # type: ignore[no-untyped-def]
    """Restore into a new instance; returns (output, events and files left there)."""
    other, drop = second_instance(app, tmp_path, **overrides)
    try:
        with other.app_context():
            runner = other.test_cli_runner()
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            result = runner.invoke(args=["restore", str(path)])
            events = db.session.scalar(select(func.count(AuditEvent.id)))
            orgs = db.session.scalar(select(func.count(Organisation.id)))
            uploads = [p for p in Path(other.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
    return result, events + orgs, uploads


def assert_refused(result, left, uploads, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output  # one clear line, never a traceback
    assert lines[0].startswith("Error: restore refused: "), lines[0]
    assert reason in lines[0], lines[0]
    assert left == 0  # nothing committed
    assert uploads == []


def edit_table(name: str, change):  # type: ignore[no-untyped-def]
    def edit(members: dict[str, bytes]) -> None:
        rows = rows_of(members[f"tables/{name}.jsonl"])
        change(rows)
        members[f"tables/{name}.jsonl"] = jsonl(rows)
    return edit


def forge_holder_name(rows: list[dict]) -> None:
    holder = next(r for r in rows if r["is_holder"])
    holder["name_zh"] = "伪造医疗器械有限公司"


def inject_admin(rows: list[dict]) -> None:
    admin = next(r for r in rows if r["role"] == "admin")
    rows.append({**admin, "id": max(r["id"] for r in rows) + 1, "email": "root@evil.example"})


def replace_dossier_bytes(members: dict[str, bytes]) -> None:
    name = next(n for n in members if n.startswith("uploads/dossier/"))
    members[name] = b"%PDF-1.4 replaced content"


def cut_trail(rows: list[dict]) -> None:
    del rows[-5:]


def test_restore_of_the_untouched_archive_succeeds(app, archive, tmp_path):
    result, left, uploads = restore_into_empty(app, tmp_path, archive)
    assert result.exit_code == 0, result.output
    assert left > 0
    assert uploads


@pytest.mark.parametrize(("edit", "reason"), [
    (edit_table("organisations", forge_holder_name), "tables/organisations.jsonl does not match"),
    (edit_table("users", inject_admin), "tables/users.jsonl does not match"),
    (replace_dossier_bytes, "does not match its SHA-256 in the manifest"),
    (edit_table("audit_events", cut_trail), "tables/audit_events.jsonl does not match"),
], ids=["holder-name", "admin-row", "dossier-bytes", "truncated-chain"])
def test_restore_tampered_member_without_the_key_refused_by_the_manifest(app, archive, tmp_path,
                                                                         edit, reason):
    tampered = tmp_path / "tampered.tar.gz"
    rewrite(archive, tampered, edit, resign=False)
    assert_refused(*restore_into_empty(app, tmp_path, tampered), reason)


@pytest.mark.parametrize(("edit", "reason"), [
    (edit_table("organisations", forge_holder_name),
     "a restored row differs from the audit trail: ROW Organisation"),
    (edit_table("users", inject_admin), "no event in the trail created it"),
    (replace_dossier_bytes, "do not match the SHA-256 recorded in its row (replaced)"),
    (edit_table("audit_events", cut_trail), "the manifest recorded"),
], ids=["holder-name", "admin-row", "dossier-bytes", "truncated-chain"])
def test_restore_tampered_member_with_a_resigned_manifest_refused_by_the_deeper_check(
        app, archive, tmp_path, edit, reason):
    """Even a manifest signed again (by someone holding the key) does not get them through:
    the rows are checked against the trail, the files against their rows."""
    tampered = tmp_path / "tampered.tar.gz"
    rewrite(archive, tampered, edit, resign=True)
    assert_refused(*restore_into_empty(app, tmp_path, tampered), reason)


def test_restore_truncated_chain_with_a_forged_head_refused_by_the_rows(app, archive, tmp_path):
    members = read_archive(archive)
    events = rows_of(members["tables/audit_events.jsonl"])[:-5]
    head = {"events": len(events), "head_id": events[-1]["id"], "head_hash": events[-1]["hash"]}
    tampered = tmp_path / "tampered.tar.gz"
    rewrite(archive, tampered, edit_table("audit_events", cut_trail), resign=True, audit=head)
    assert_refused(*restore_into_empty(app, tmp_path, tampered), "a restored row differs")


def test_restore_truncated_gzip_refused(app, archive, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    assert_refused(*restore_into_empty(app, tmp_path, cut),
                   "is not a readable devreg backup (truncated or corrupt")


def test_restore_unknown_column_refused(app, archive, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"

    def add_column(rows: list[dict]) -> None:
        rows[0]["is_superuser"] = True
    rewrite(archive, tampered, edit_table("users", add_column), resign=True)
    assert_refused(*restore_into_empty(app, tmp_path, tampered),
                   "table users has no column is_superuser")


def test_restore_constraint_violation_refused(app, archive, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"

    def duplicate(rows: list[dict]) -> None:
        rows.append(dict(rows[0]))
    rewrite(archive, tampered, edit_table("organisations", duplicate), resign=True)
    assert_refused(*restore_into_empty(app, tmp_path, tampered),
                   "table organisations, rows 1-")


def test_restore_manifest_not_json_refused(app, archive, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"

    def junk(members: dict[str, bytes]) -> None:
        members["manifest.json"] = b"{not json"
    rewrite(archive, tampered, junk, resign=False)
    assert_refused(*restore_into_empty(app, tmp_path, tampered), "the manifest is not valid JSON")


def test_restore_manifest_edited_refused(app, archive, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"

    def edit(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        manifest["tables"]["users"]["rows"] += 1
        members["manifest.json"] = json.dumps(manifest).encode()
    rewrite(archive, tampered, edit, resign=False)
    assert_refused(*restore_into_empty(app, tmp_path, tampered),
                   "the manifest's signature does not match")


def test_restore_manifest_missing_refused(app, archive, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"
    rewrite(archive, tampered, lambda members: members.pop("manifest.json"), resign=False)
    assert_refused(*restore_into_empty(app, tmp_path, tampered), "has no manifest.json")


def test_restore_member_not_in_the_manifest_refused(app, archive, tmp_path):
    tampered = tmp_path / "tampered.tar.gz"

    def add(members: dict[str, bytes]) -> None:
        members["uploads/dossier/zz/zzz"] = b"planted"
    rewrite(archive, tampered, add, resign=False)
    assert_refused(*restore_into_empty(app, tmp_path, tampered),
                   "uploads/dossier/zz/zzz is not listed in the manifest")


def test_restore_under_another_audit_key_refused(app, archive, tmp_path):
    assert_refused(*restore_into_empty(app, tmp_path, archive, AUDIT_KEY="a-different-key"),
                   "or it was made under a different AUDIT_KEY")


def test_restore_unsigned_format_1_archive_refused(app, archive, tmp_path):
    old = tmp_path / "old.tar.gz"

    def as_format_1(members: dict[str, bytes]) -> None:
        members.clear()
        members["database.json"] = json.dumps({"format": 1, "tables": {}}).encode()
    rewrite(archive, old, as_format_1, resign=False)
    assert_refused(*restore_into_empty(app, tmp_path, old), "an unsigned format-1 backup")


def test_backup_manifest_lists_members_rows_head_and_checkpoint(app, demo, tmp_path):
    assert app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    path = tmp_path / "b.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
    members = read_archive(path)
    assert list(members)[-1] == "manifest.json"
    manifest = json.loads(members["manifest.json"])
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    assert manifest["audit"]["events"] == events
    assert manifest["tables"]["audit_events"]["rows"] == events
    assert manifest["tables"]["users"]["rows"] == len(rows_of(members["tables/users.jsonl"]))
    assert manifest["checkpoint"]["events"] == events
    assert set(manifest) >= {"format", "alembic_revision", "tables", "files", "audit",
                             "checkpoint", "created_at", "mac"}


def test_backup_taken_while_writes_happen_is_one_snapshot(app, demo, tmp_path, monkeypatch):
    """A thread keeps creating audited rows while the dump runs, slowed between tables; the
    restored copy's chain verifies and every row has its creation event."""
    dump = backup._dump_table
    started, stop = threading.Event(), threading.Event()
    written: list[int] = []

    def slow_dump(connection, table, out):  # type: ignore[no-untyped-def]
        started.set()
        time.sleep(0.03)  # widen the window between tables
        return dump(connection, table, out)
    monkeypatch.setattr(backup, "_dump_table", slow_dump)

    def writer() -> None:
        with app.app_context(), acting_as(None, "load"):
            started.wait(10)
            n = 0
            while not stop.is_set() and n < 100:
                create_organisation(OrganisationData(
                    name_zh=f"并发公司{n}", name_en=None,
                    uscc=make_uscc(f"91110000MA00002{n:02d}"), province_code="11",
                    address="北京市", is_holder=True, is_manufacturer=False, is_regulator=False))
                db.session.commit()
                written.append(n)
                n += 1
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    path = tmp_path / "under-load.tar.gz"
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
    finally:
        stop.set()
        thread.join(30)
    assert result.exit_code == 0, result.output
    assert written  # the writer did run alongside
    other, drop = second_instance(app, tmp_path)
    try:
        with other.app_context():
            runner = other.test_cli_runner()
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            restored = runner.invoke(args=["restore", str(path)])
            assert restored.exit_code == 0, restored.output
            verify = runner.invoke(args=["audit", "verify"])
            assert verify.exit_code == 0, verify.output
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
