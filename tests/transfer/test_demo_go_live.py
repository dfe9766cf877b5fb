"""The demo imports 30 pre-go-live Hebei certificates through the same code path, and the next
Hebei approval continues their numbering."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from devreg.audit.services import acting_as
from devreg.certificates.models import Certificate, NumberCounter
from devreg.demo.go_live import load_go_live
from devreg.extensions import db
from devreg.transfer.models import ImportedRecord
from devreg.transfer.samples import FILES, certificate_rows, sample_files, write_samples
from devreg.transfer.services import run_import


def test_demo_step_imports_30_hebei_certificates_once(demo):
    with acting_as(None, "test"):
        load_go_live()
        db.session.commit()
        load_go_live()  # a second demo load changes nothing
        db.session.commit()
    numbers = list(db.session.scalars(select(Certificate.number)))
    assert len(numbers) == 30 and all(n.startswith("冀械注准") for n in numbers)
    assert db.session.scalar(select(func.count()).select_from(ImportedRecord).where(
        ImportedRecord.source_file == FILES["certificates"])) == 30
    statuses = set(db.session.scalars(select(Certificate.status)))
    assert statuses == {"valid", "expired", "cancelled"}
    for _kind, province, year, value in db.session.execute(select(
            NumberCounter.kind, NumberCounter.province_code, NumberCounter.year,
            NumberCounter.last_value)):
        used = db.session.scalar(select(func.max(Certificate.serial)).where(
            Certificate.first_year == year, Certificate.province_code == province))
        assert value == used


def test_demo_sample_files_pass_a_dry_run_on_any_day(demo):
    for today in (date(2026, 12, 2), date(2029, 2, 28), date(2031, 7, 1)):
        files = sample_files(today, demo=True)
        with acting_as(None, "test"):
            for kind in ("organisations", "licences", "certificates"):
                report = run_import(kind, FILES[kind], files[kind], actor_id=None,
                                    dry_run=kind == "certificates", today=today)
                assert report.ok, (today, kind, report.error_lines()[:3])
        db.session.rollback()
        assert len(certificate_rows(today)) == 30


def test_import_samples_command_writes_the_files(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["import", "samples", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())
    assert write_samples(tmp_path / "again")


def test_a_fresh_instance_imports_the_sample_files_with_the_commands(app, tmp_path):
    """No demo: organisations, users, licences and certificates from the written files, then
    the next approval's counter continues after them."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import", "samples", str(tmp_path)]).exit_code == 0
    for kind in ("organisations", "users", "licences", "certificates"):
        result = runner.invoke(args=["import", kind, str(tmp_path / FILES[kind]), "--locale",
                                     "en"])
        assert result.exit_code == 0, (kind, result.output)
        assert "Imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 30
    again = runner.invoke(args=["import", "certificates", str(tmp_path / FILES["certificates"]),
                                "--locale", "en"])
    assert "Imported 0 rows; 30 were already imported" in again.output
