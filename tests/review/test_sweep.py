"""The scheduled sweep (devreg/review/sweep.py and `flask sweep`): expiry after the last valid
day, deemed acceptance, termination when the supplement deadline passed, deemed renewal; safe
to run twice."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from devreg.certificates.models import Certificate, CertificateChange
from devreg.extensions import db
from devreg.review.sweep import run_sweep
from tests.registrations.helpers import (
    K,
    S,
    application_in,
    audit_count,
    certificate_for,
    new_draft,
    perform,
    right_actor,
)

MON = date(2026, 3, 2)


def _sweep(today: date):  # type: ignore[no-untyped-def]
    result = run_sweep(today)
    db.session.commit()
    db.session.expire_all()
    return result


# --- expiry ----------------------------------------------------------------------------------

def test_sweep_on_last_valid_day_leaves_certificate_valid(app, demo):
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))
    assert certificate.valid_until == date(2026, 5, 31)
    result = _sweep(date(2026, 5, 31))
    assert result.expired == []
    assert certificate.status == "valid"


def test_sweep_after_last_valid_day_expires_certificate(app, demo):
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))
    result = _sweep(date(2026, 6, 1))
    assert result.expired == [certificate.id]
    assert certificate.status == "expired"
    change = certificate.changes[-1]
    assert (change.kind, change.effective_on) == ("expiry", date(2026, 6, 1))


def test_sweep_does_not_expire_cancelled_or_revoked_certificates_again(app, demo):
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))
    certificate.status = "cancelled"
    db.session.commit()
    assert _sweep(date(2026, 6, 1)).expired == []
    assert certificate.status == "cancelled"


# --- deemed acceptance -----------------------------------------------------------------------

def test_sweep_within_acceptance_limit_leaves_application_submitted(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    assert _sweep(date(2026, 3, 9)).deemed_accepted == []  # the fifth working day
    assert application.state == S.SUBMITTED


def test_sweep_after_acceptance_limit_deems_accepted_from_receipt(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    result = _sweep(date(2026, 3, 10))
    assert result.deemed_accepted == [application.id]
    assert application.state == S.ACCEPTED
    assert application.accepted_on == application.received_on == MON
    assert application.acceptance_number.startswith("冀械受2026")
    assert application.time_limits["technical_review"] == 60


def test_sweep_deemed_acceptance_uses_the_province_acceptance_limit(app, demo):
    from devreg.workdays import services as workdays
    from devreg.workdays.models import Stage

    workdays.set_time_limit("13", Stage.ACCEPTANCE, 3, actor=demo.user("admin"))
    hebei = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    beijing = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON, holder="holder.bj")
    assert _sweep(date(2026, 3, 6)).deemed_accepted == [hebei.id]
    assert (hebei.state, beijing.state) == (S.ACCEPTED, S.SUBMITTED)


def test_sweep_does_not_deem_a_correction_request_accepted(app, demo):
    application = application_in(demo, K.INITIAL, S.CORRECTION_REQUESTED, today=MON)
    _sweep(date(2026, 6, 1))
    assert application.state == S.CORRECTION_REQUESTED


def test_sweep_statements_do_not_grow_with_the_files_still_within_their_limit(app, demo):
    """Issue 11: no query per application; the files within their limit are never loaded."""
    from devreg.bench.statements import count_statements

    for _ in range(2):
        application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 9))
    overdue = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    run_sweep(date(2026, 3, 10))  # warm: calendars and limits are cached after a first run
    db.session.rollback()
    with count_statements(db.engine) as small:
        run_sweep(date(2026, 3, 10))
    db.session.rollback()
    for _ in range(8):
        application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 9))
    db.session.expire_all()
    with count_statements(db.engine) as large:
        result = run_sweep(date(2026, 3, 10))
    assert result.deemed_accepted == [overdue.id]
    assert large.count == small.count


def test_sweep_deems_accepted_in_batches(app, demo, monkeypatch):
    from devreg.review import sweep

    monkeypatch.setattr(sweep, "SWEEP_BATCH", 2)
    applications = [application_in(demo, K.INITIAL, S.SUBMITTED, today=MON) for _ in range(5)]
    result = _sweep(date(2026, 3, 10))
    assert sorted(result.deemed_accepted) == sorted(a.id for a in applications)
    assert {a.state for a in applications} == {S.ACCEPTED}


@settings(max_examples=200, deadline=None)
@given(today=st.dates(date(2025, 1, 1), date(2027, 12, 31)), limit=st.integers(1, 60))
def test_last_overdue_receipt_agrees_with_the_day_by_day_definition(today, limit):
    from datetime import timedelta

    from devreg.review.sweep import _last_overdue_receipt
    from devreg.workdays.calendar import WorkdayCalendar

    calendar = WorkdayCalendar(regulator_holidays=[date(2026, 3, 4), date(2026, 10, 9)])
    last = _last_overdue_receipt(calendar, limit, today)

    def overdue(receipt: date) -> bool:
        return calendar.add_working_days(receipt, limit).due < today

    assert last is not None
    assert overdue(last)
    assert not overdue(last + timedelta(days=1))


# --- termination -----------------------------------------------------------------------------

def test_sweep_on_supplement_deadline_does_not_terminate(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
    assert application.supplement_deadline == date(2027, 3, 2)
    assert _sweep(date(2027, 3, 2)).terminated == []
    assert application.state == S.SUPPLEMENT_REQUESTED


def test_sweep_after_supplement_deadline_terminates_review(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
    result = _sweep(date(2027, 3, 3))
    assert result.terminated == [application.id]
    assert application.state == S.TERMINATED
    assert application.closed_on == date(2027, 3, 3)


def test_sweep_after_supplement_answered_does_not_terminate(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
    perform("answer_supplement", application, demo.user("holder"), today=date(2026, 6, 1))
    db.session.commit()
    assert _sweep(date(2027, 6, 1)).terminated == []
    assert application.state == S.IN_REVIEW


# --- deemed renewal --------------------------------------------------------------------------

def _renewal_pending(demo, state: S):  # type: ignore[no-untyped-def]
    """A certificate valid until 2026-05-31 with a renewal applied for in time (2025-11-03)."""
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))
    application = new_draft(demo, K.RENEWAL, today=date(2025, 11, 3), certificate=certificate)
    events = {S.ACCEPTED: ("submit", "accept"), S.IN_REVIEW: ("submit", "accept", "assign"),
              S.REVIEW_DONE: ("submit", "accept", "assign", "qms", "give_opinion")}[state]
    for event in events:
        perform(event, application, right_actor(event, application), today=date(2025, 11, 3))
        db.session.commit()
    return certificate, application


def test_sweep_on_last_valid_day_leaves_renewal_undecided(app, demo):
    certificate, application = _renewal_pending(demo, S.IN_REVIEW)
    assert _sweep(date(2026, 5, 31)).deemed_renewed == []
    assert application.state == S.IN_REVIEW
    assert certificate.valid_until == date(2026, 5, 31)


def test_sweep_after_expiry_with_undecided_renewal_deems_it_granted(app, demo):
    for state in (S.ACCEPTED, S.IN_REVIEW, S.REVIEW_DONE):
        certificate, application = _renewal_pending(demo, state)
        number = certificate.number
        result = _sweep(date(2026, 6, 1))
        assert result.deemed_renewed == [application.id]
        assert result.expired == []
        assert application.state == S.APPROVED
        assert application.closed_on == date(2026, 6, 1)
        assert certificate.status == "valid"
        assert certificate.number == number
        assert (certificate.valid_from, certificate.valid_until) == (date(2026, 6, 1),
                                                                     date(2031, 5, 31))
        assert certificate.changes[-1].kind == "renewal"


def test_sweep_with_renewal_waiting_for_supplement_lets_certificate_expire(app, demo):
    # conservative reading: the regulator is not late while the holder owes the supplement
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))
    application = new_draft(demo, K.RENEWAL, today=date(2025, 11, 3), certificate=certificate)
    for event in ("submit", "accept", "assign", "request_supplement"):
        perform(event, application, right_actor(event, application), today=date(2025, 11, 3))
        db.session.commit()
    result = _sweep(date(2026, 6, 1))
    assert result.deemed_renewed == []
    assert result.expired == [certificate.id]
    assert application.state == S.SUPPLEMENT_REQUESTED


def test_sweep_never_deems_a_change_registration_granted(app, demo):
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))
    application = new_draft(demo, K.CHANGE, today=date(2026, 3, 2), certificate=certificate)
    for event in ("submit", "accept"):
        perform(event, application, right_actor(event, application), today=date(2026, 3, 2))
        db.session.commit()
    result = _sweep(date(2026, 6, 1))
    assert result.deemed_renewed == []
    assert application.state == S.ACCEPTED
    assert certificate.status == "expired"


# --- idempotence and the command -------------------------------------------------------------

def test_sweep_run_twice_changes_nothing_the_second_time(app, demo):
    expiring = certificate_for(demo, approved_on=date(2021, 6, 1), name="旧血压计")
    _cert, renewal = _renewal_pending(demo, S.IN_REVIEW)
    submitted = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    waiting = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=date(2025, 3, 3))
    first = _sweep(date(2026, 6, 1))
    assert first.expired == [expiring.id]
    assert first.deemed_renewed == [renewal.id]
    assert first.deemed_accepted == [submitted.id]
    assert first.terminated == [waiting.id]
    events = audit_count()
    changes = db.session.scalar(select(db.func.count()).select_from(CertificateChange))
    second = _sweep(date(2026, 6, 1))
    assert (second.expired, second.deemed_renewed, second.deemed_accepted,
            second.terminated) == ([], [], [], [])
    assert audit_count() == events
    assert db.session.scalar(select(db.func.count()).select_from(CertificateChange)) == changes


def test_sweep_command_applies_the_sweep_for_the_given_day(app, demo):
    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))
    submitted = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sweep", "--today", "2026-06-01"])
    assert result.exit_code == 0, result.output
    assert "deemed accepted: 1" in result.output
    assert "expired: 1" in result.output
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).status == "expired"
    assert submitted.state == S.ACCEPTED
    events = audit_count()
    again = runner.invoke(args=["sweep", "--today", "2026-06-01"])
    assert again.exit_code == 0
    assert "expired: 0" in again.output
    db.session.expire_all()
    assert audit_count() == events


def test_sweep_never_renews_a_revoked_certificate(app, demo):
    from devreg.certificates import services as certificates
    from devreg.signatures.services import sign

    certificate, application = _renewal_pending(demo, S.IN_REVIEW)
    signature = sign(certificate, signer=demo.user("approver"), password="devreg-demo",
                     meaning="decided", content={"revoke": certificate.number})
    certificates.revoke_certificate(certificate, reasons="撤销", signature=signature,
                                    on=date(2026, 1, 5))
    db.session.commit()
    result = _sweep(date(2026, 6, 1))
    assert result.deemed_renewed == []
    assert certificate.status == "revoked"
    assert certificate.valid_until == date(2026, 5, 31)
    assert application.state == S.IN_REVIEW
