"""Certificates issued before go-live: imported all-or-nothing and idempotently, with their
source and an "imported" audit event; the serial counter continues after the highest imported
serial; imported certificates are renewed, changed, cancelled and shown like native ones."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.audit.services import acting_as
from devreg.certificates.models import Certificate, NumberCounter
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as filing
from devreg.registrations.kinds import ApplicationKind
from devreg.transfer.models import ImportedRecord
from devreg.transfer.services import run_import
from tests.concurrency.test_certificate_serials import approve, review_done_applications
from tests.transfer.helpers import certificate_row, csv_bytes, header

TODAY = date(2026, 3, 2)


def _import(rows, *, dry_run=False, name="hebei.csv", today=TODAY):  # type: ignore[no-untyped-def]
    with acting_as(None, "test-import"):
        report = run_import("certificates", name, csv_bytes([header("certificates"), *rows]),
                            actor_id=None, dry_run=dry_run, today=today)
    db.session.commit()
    return report


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def holder_uscc(demo):  # type: ignore[no-untyped-def]
    return demo.org("holder_hebei").uscc


def test_next_hebei_2026_approval_after_importing_0137_gets_0138(holder_uscc):
    report = _import([certificate_row(holder_uscc)])
    assert report.ok and report.written and report.count("new") == 1
    [application_id] = review_done_applications(1)
    assert approve(application_id) == "冀械注准20262070138"


def test_without_the_seeding_the_next_approval_would_take_0001(holder_uscc, demo):
    """The control: a 2026 Hebei approval with nothing imported starts at 0001."""
    [application_id] = review_done_applications(1)
    assert approve(application_id) == "冀械注准20262070001"


def test_seeding_never_lowers_a_counter(holder_uscc):
    db.session.add(NumberCounter(kind="certificate", province_code="13", year=2026,
                                 last_value=200))
    db.session.commit()
    assert _import([certificate_row(holder_uscc)]).written
    counter = db.session.scalar(select(NumberCounter).where(NumberCounter.year == 2026))
    assert counter.last_value == 200


def test_dry_run_reports_and_writes_nothing(holder_uscc):
    report = _import([certificate_row(holder_uscc)], dry_run=True)
    assert report.ok and not report.written and report.count("new") == 1
    assert _count(Certificate) == 0 and _count(ImportedRecord) == 0
    assert _count(NumberCounter) == 0


def test_importing_the_same_file_twice_changes_nothing(holder_uscc):
    rows = [certificate_row(holder_uscc),
            certificate_row(holder_uscc, number="冀械注准20262070140", device_name="体温计")]
    assert _import(rows).count("new") == 2
    events = _count(AuditEvent)
    again = _import(rows)
    assert again.ok and again.count("new") == 0 and again.count("unchanged") == 2
    assert _count(Certificate) == 2 and _count(AuditEvent) == events


def test_the_same_number_with_other_values_is_refused_not_overwritten(holder_uscc):
    _import([certificate_row(holder_uscc)])
    report = _import([certificate_row(holder_uscc, device_name="另一个名称")], name="b.csv")
    assert not report.ok
    assert "hebei.csv" in report.rows[0].errors["number"]
    assert db.session.scalar(select(Certificate.device_name)) == "电子血压计"


def test_one_bad_row_imports_nothing(holder_uscc):
    rows = [certificate_row(holder_uscc),
            certificate_row(holder_uscc, number="冀械注准20262070140", valid_until="2025-01-01")]
    report = _import(rows)
    assert not report.ok and not report.written
    assert _count(Certificate) == 0 and _count(NumberCounter) == 0
    assert "nothing was imported" in report.summary()


def test_imported_rows_carry_source_and_an_imported_audit_event(holder_uscc):
    _import([certificate_row(holder_uscc)])
    certificate = db.session.scalar(select(Certificate))
    record = db.session.scalar(select(ImportedRecord))
    assert (record.subject_type, record.subject_id) == ("Certificate", certificate.id)
    assert (record.source_file, record.source_row) == ("hebei.csv", 2)
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type.in_(["Certificate", "Device", "ImportedRecord"]))))
    assert actions == {"imported"}
    assert certificate.changes[0].kind == "imported"
    assert "hebei.csv" in certificate.changes[0].summary


@pytest.mark.parametrize(("values", "column", "words"), [
    ({"holder_uscc": "91130100MA0CKH9X11"}, "holder_uscc", "Credit Code"),
    ({"holder_uscc": "91130100MA0CKH9X10"}, "holder_uscc", "import the organisations"),
    ({"number": "冀械注准2026207013"}, "number", "form"),
    ({"number": "冀械注准20262990137"}, "number", "form"),
    ({"number": "苏械注准20262070137"}, "holder_uscc", "another province"),
    ({"first_year": "2025"}, "first_year", "2026"),
    ({"approved_on": "2025-12-30"}, "approved_on", "2026"),
    ({"valid_until": "2026-01-01"}, "valid_until", "before it starts"),
    ({"approved_on": "2026-02-01"}, "approved_on", "before the approval"),
    ({"valid_from": "2026-13-01"}, "valid_from", "YYYY-MM-DD"),
    ({"status": "吊销"}, "status", "Unknown status"),
    ({"status": "注销"}, "ended_on", "took effect"),
    ({"ended_on": "2026-02-01"}, "ended_on", "Only a cancelled"),
    ({"device_name": ""}, "device_name", "empty"),
    ({"earlier_periods": "2020-01-01~2026-02-01"}, "earlier_periods", "overlap"),
])
def test_each_bad_value_is_reported_by_row_and_column(holder_uscc, values, column, words):
    report = _import([certificate_row(holder_uscc), certificate_row(
        holder_uscc, number=values.pop("number", "冀械注准20262070140"), **values)],
        dry_run=True)
    assert report.rows[0].errors == {}
    assert column in report.rows[1].errors, report.rows[1].errors
    assert words in report.rows[1].errors[column]
    assert any(line.startswith("Row 3, column") for line in report.error_lines())


def test_a_certificate_still_marked_valid_after_its_expiry_is_refused(holder_uscc):
    report = _import([certificate_row(holder_uscc, number="冀械注准20212070012",
                                      first_year="2021", approved_on="2021-03-15",
                                      valid_from="2021-03-15", valid_until="2026-03-14")],
                     dry_run=True, today=date(2026, 4, 1))
    assert "过期" in report.rows[0].errors["status"]


def test_duplicates_in_the_file_and_against_native_certificates(holder_uscc):
    same = _import([certificate_row(holder_uscc), certificate_row(holder_uscc)], dry_run=True)
    assert "row 2" in same.rows[1].errors["number"]
    [application_id] = review_done_applications(1)
    native = approve(application_id)
    report = _import([certificate_row(holder_uscc, number=native)], dry_run=True)
    assert "already in devreg" in report.rows[0].errors["number"]


def test_cancelled_and_expired_certificates_keep_their_status(holder_uscc):
    report = _import([
        certificate_row(holder_uscc, status="注销", ended_on="2026-02-01"),
        certificate_row(holder_uscc, number="冀械注准20192070005", first_year="2019",
                        approved_on="2019-05-06", valid_from="2019-05-06",
                        valid_until="2024-05-05", status="过期"),
    ])
    assert report.written, report.error_lines()
    statuses = dict(db.session.execute(select(Certificate.number, Certificate.status)).all())
    assert statuses == {"冀械注准20262070137": "cancelled", "冀械注准20192070005": "expired"}
    cancelled = db.session.scalar(select(Certificate).where(Certificate.status == "cancelled"))
    assert not cancelled.is_valid_on(date(2026, 2, 1))
    assert cancelled.is_valid_on(date(2026, 1, 31))


def _imported_certificate(holder_uscc, **values):  # type: ignore[no-untyped-def]
    assert _import([certificate_row(holder_uscc, **values)]).written
    return db.session.scalar(select(Certificate))


def test_holder_may_renew_an_imported_certificate_within_the_six_month_rule(holder_uscc, demo):
    certificate = _imported_certificate(
        holder_uscc, number="冀械注准20212070012", first_year="2021", approved_on="2021-09-15",
        valid_from="2021-09-15", valid_until="2026-09-14")
    holder = demo.user("holder")
    application = filing.create_application(
        ApplicationKind.RENEWAL, certificate.device, actor=holder, certificate=certificate,
        today=date(2026, 3, 14), change_description="到期延续")
    assert application.certificate_id == certificate.id


def test_renewal_of_an_imported_certificate_too_late_is_refused(holder_uscc, demo):
    certificate = _imported_certificate(
        holder_uscc, number="冀械注准20212070012", first_year="2021", approved_on="2021-09-15",
        valid_from="2021-09-15", valid_until="2026-09-14")
    # Order 47 Art 82: at least six months before expiry, judged on the imported validity
    with pytest.raises(DomainError, match="six months"):
        filing.create_application(
            ApplicationKind.RENEWAL, certificate.device, actor=demo.user("holder"),
            certificate=certificate, today=date(2026, 3, 15), change_description="到期延续")


@pytest.mark.parametrize("kind", [ApplicationKind.CHANGE, ApplicationKind.CANCELLATION])
def test_holder_may_change_or_cancel_an_imported_certificate(holder_uscc, demo, kind):
    certificate = _imported_certificate(holder_uscc)
    application = filing.create_application(
        kind, certificate.device, actor=demo.user("holder"), certificate=certificate,
        today=TODAY, change_description="变更型号", changed_items={"model_spec": "BP-300"})
    assert application.kind == kind.value


def test_imported_certificate_is_on_the_registry_and_the_verify_page(holder_uscc, client):
    certificate = _imported_certificate(holder_uscc)
    verify = client.get(f"/verify/{certificate.number}").get_data(as_text=True)
    assert certificate.number in verify and "电子血压计" in verify
    registry = client.get("/registry?q=20262070137").get_data(as_text=True)
    assert certificate.number in registry


def test_an_imported_certificate_has_one_audit_event(holder_uscc):
    _import([certificate_row(holder_uscc)])
    certificate = db.session.scalar(select(Certificate))
    events = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "Certificate", AuditEvent.subject_id == certificate.id)))
    assert events == ["imported"]
