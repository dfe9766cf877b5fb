"""flask backup / flask restore: database and files together, restorable into an empty
instance, with an intact audit chain. (Tampered archives: test_backup_tampering.py.)"""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations import files
from devreg.registrations.models import DossierFile
from tests.registrations.helpers import submitted_application
from tests.resilience.helpers import second_instance


def _second_instance(app, tmp_path: Path):
    return second_instance(app, tmp_path)


def test_backup_then_restore_into_empty_instance_keeps_rows_files_and_chain(app, demo, tmp_path):
    application = submitted_application(demo, today=china_today())
    stored = [files.path_of(f.stored_name).read_bytes() for f in application.files]
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    backup = tmp_path / "devreg-backup.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.is_file()

    other, drop = _second_instance(app, tmp_path)
    try:
        # the test holds the first app's context: commands must run in the second app's
        with other.app_context():
            runner = other.test_cli_runner()
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            result = runner.invoke(args=["restore", str(backup)])
            assert result.exit_code == 0, result.output
            verify = runner.invoke(args=["audit", "verify"])
            assert verify.exit_code == 0 and verify.output.startswith("OK"), verify.output
            assert db.session.scalar(select(func.count(AuditEvent.id))) == events
            restored = db.session.scalars(select(DossierFile).order_by(DossierFile.id)).all()
            assert [files.path_of(f.stored_name).read_bytes() for f in restored] == stored
            # a second restore into the now-populated instance is refused, nothing changes
            again = runner.invoke(args=["restore", str(backup)])
            assert again.exit_code != 0 and "empty" in again.output
            assert db.session.scalar(select(func.count(AuditEvent.id))) == events
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


def test_restore_of_a_corrupt_archive_changes_nothing(app, demo, tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar file")
    other, drop = _second_instance(app, tmp_path)
    try:
        with other.app_context():
            runner = other.test_cli_runner()
            assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
            result = runner.invoke(args=["restore", str(broken)])
            assert result.exit_code != 0 and "not a readable devreg backup" in result.output
            assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


@pytest.fixture(autouse=True)
def _no_leftover_partial(tmp_path):
    yield
    assert not list(tmp_path.glob("*.partial"))
