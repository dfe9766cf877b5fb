"""Renewal (延续注册): applied for at least six months before expiry, i.e. on or before the last
valid day minus six months; checked again on submission; approval keeps the number and runs the
new validity on from the old one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from devreg.certificates import services as certificates
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.models import Application
from tests.registrations.helpers import (
    DESCRIPTIONS,
    K,
    S,
    certificate_for,
    client_for,
    new_draft,
    perform,
    post,
    right_actor,
    text_of,
)

# a certificate approved on 2021-06-01 is valid until 2026-05-31; renewal by 2025-11-30
APPROVED = date(2021, 6, 1)
LAST_DAY = date(2025, 11, 30)


def _apply(demo, certificate, today):  # type: ignore[no-untyped-def]
    return svc.create_application(K.RENEWAL, certificate.device, actor=demo.user("holder"),
                                  certificate=certificate, today=today,
                                  change_description=DESCRIPTIONS[K.RENEWAL])


def test_renewal_window_last_day_is_last_valid_day_minus_six_months(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    assert certificate.valid_until == date(2026, 5, 31)
    assert certificates.renewal_deadline(certificate) == LAST_DAY


def test_renewal_applied_on_last_allowed_day_is_accepted(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = _apply(demo, certificate, LAST_DAY)
    db.session.commit()
    assert application.state == S.DRAFT
    assert application.certificate_id == certificate.id


def test_renewal_applied_the_day_after_is_refused_with_the_reason(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    with pytest.raises(DomainError) as refused:
        _apply(demo, certificate, LAST_DAY + timedelta(days=1))
    message = refused.value.message
    assert "2026-05-31" in message
    assert "2025-11-30" in message
    assert "不予延续" in message
    db.session.rollback()
    assert db.session.scalar(db.select(Application).where(Application.kind == "renewal")) is None


def test_renewal_submitted_after_the_window_closed_is_refused(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = new_draft(demo, K.RENEWAL, today=LAST_DAY, certificate=certificate)
    with pytest.raises(DomainError) as refused:
        svc.submit_application(application, actor=demo.user("holder"), password="devreg-demo",
                               declaration=True, today=LAST_DAY + timedelta(days=1))
    assert "不予延续" in refused.value.message
    db.session.rollback()
    db.session.refresh(application)
    assert application.state == S.DRAFT
    assert application.received_on is None


def test_renewal_submitted_on_the_last_allowed_day_is_accepted(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = new_draft(demo, K.RENEWAL, today=date(2025, 11, 3), certificate=certificate)
    perform("submit", application, demo.user("holder"), today=LAST_DAY)
    db.session.commit()
    assert application.state == S.SUBMITTED


def _corrected_renewal(demo):  # type: ignore[no-untyped-def]
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = new_draft(demo, K.RENEWAL, today=date(2025, 11, 3), certificate=certificate)
    for event in ("submit", "request_correction"):
        perform(event, application, right_actor(event, application), today=date(2025, 11, 3))
    db.session.commit()
    return application


def test_renewal_resubmitted_after_correction_past_the_window_is_judged_on_first_receipt(
        app, demo):
    # RENEWAL_WINDOW_DATE = "first_receipt" (default): received in time on 2025-11-03, so the
    # resubmission after the correction notice is not refused as late (it used to be)
    application = _corrected_renewal(demo)
    perform("resubmit", application, demo.user("holder"), today=date(2025, 12, 1))
    db.session.commit()
    assert application.state == S.SUBMITTED
    assert (application.first_received_on, application.received_on) == (
        date(2025, 11, 3), date(2025, 12, 1))


def test_renewal_resubmitted_past_the_window_is_refused_when_the_last_receipt_counts(
        app, demo, monkeypatch):
    monkeypatch.setitem(app.config, "RENEWAL_WINDOW_DATE", "last_receipt")
    application = _corrected_renewal(demo)
    with pytest.raises(DomainError) as refused:
        perform("resubmit", application, demo.user("holder"), today=date(2025, 12, 1))
    assert "不予延续" in refused.value.message
    db.session.rollback()
    db.session.refresh(application)
    assert application.state == S.CORRECTION_REQUESTED


def test_renewal_first_submitted_past_the_window_is_refused_either_way(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = new_draft(demo, K.RENEWAL, today=LAST_DAY, certificate=certificate)
    with pytest.raises(DomainError):
        perform("submit", application, demo.user("holder"), today=LAST_DAY + timedelta(days=1))
    db.session.rollback()
    db.session.refresh(application)
    assert application.first_received_on is None


def test_renewal_approval_keeps_number_and_sets_new_validity(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    number, serial = certificate.number, certificate.serial
    application = new_draft(demo, K.RENEWAL, today=date(2025, 11, 3), certificate=certificate)
    perform("submit", application, demo.user("holder"), today=date(2025, 11, 3))
    for event in ("accept", "assign", "qms", "give_opinion", "approve"):
        perform(event, application, right_actor(event, application), today=date(2026, 1, 5))
        db.session.commit()
    db.session.refresh(certificate)
    assert application.state == S.APPROVED
    assert (certificate.number, certificate.serial) == (number, serial)
    assert certificate.valid_from == date(2026, 6, 1)  # old last valid day + 1
    assert certificate.valid_until == date(2031, 5, 31)  # five years later minus one day
    assert certificate.status == "valid"
    renewal = certificate.changes[-1]
    assert renewal.kind == "renewal"
    assert renewal.application_id == application.id
    assert renewal.before == {"valid_from": "2021-06-01", "valid_until": "2026-05-31"}
    assert renewal.after == {"valid_from": "2026-06-01", "valid_until": "2031-05-31"}


# --- through the web, where "today" is the real date in China ------------------------------------

def _approved_for_deadline(deadline: date) -> date | None:
    """An approval date whose certificate's renewal deadline is ``deadline``."""
    guess = deadline + relativedelta(months=6) + timedelta(days=1) - relativedelta(years=5)
    for offset in range(-3, 4):
        approved = guess + timedelta(days=offset)
        valid_until = certificates.last_valid_day(approved)
        if valid_until - certificates.RENEWAL_LEAD == deadline:
            return approved
    return None


@pytest.mark.parametrize(("days_late", "allowed"), [(0, True), (1, False)],
                         ids=["last-allowed-day", "day-after"])
def test_renewal_form_on_either_side_of_the_window_edge(app, demo, days_late, allowed):
    approved = _approved_for_deadline(china_today() - timedelta(days=days_late))
    if approved is None:  # pragma: no cover - month-end dates without an exact counterpart
        pytest.skip("no approval date gives this deadline")
    certificate = certificate_for(demo, approved_on=approved)
    client = client_for(app, "holder")
    path = f"/certificates/{certificate.id}/apply/renewal"
    form_page = text_of(client.get(path))
    assert certificates.renewal_deadline(certificate).isoformat() in form_page
    response = post(client, path, {"change_description": "产品无变化"}, token_from=path)
    renewal = db.session.scalar(db.select(Application).where(Application.kind == "renewal"))
    if allowed:
        assert response.status_code == 302
        assert renewal is not None
        assert response.headers["Location"].endswith(f"/applications/{renewal.id}")
    else:
        assert response.status_code == 200
        assert renewal is None
        page = text_of(response)
        assert "at least six months before the certificate expires" in page
        assert "产品无变化" in page  # what was typed is kept


def _renewed_early(demo, approved: date, renewed_on: date):  # type: ignore[no-untyped-def]
    certificate = certificate_for(demo, approved_on=approved)
    application = new_draft(demo, K.RENEWAL, today=renewed_on, certificate=certificate)
    for event in ("submit", "accept", "assign", "qms", "give_opinion", "approve"):
        perform(event, application, right_actor(event, application), today=renewed_on)
        db.session.commit()
    db.session.refresh(certificate)
    return certificate


def test_certificate_renewed_early_stays_valid_until_its_new_period_starts(app, demo):
    certificate = _renewed_early(demo, APPROVED, date(2025, 9, 1))
    assert certificate.valid_from == date(2026, 6, 1)
    for day in (date(2025, 9, 2), date(2026, 5, 31), date(2026, 6, 1), date(2031, 5, 31)):
        assert certificate.is_valid_on(day), day
    assert not certificate.is_valid_on(date(2031, 6, 1))
    assert not certificate.is_valid_on(APPROVED - timedelta(days=1))


def test_verify_page_of_certificate_renewed_early_says_valid_today(app, demo):
    today = china_today()
    approved = today - relativedelta(years=5) + timedelta(days=30)  # old period ends in 29 days
    certificate = _renewed_early(demo, approved, approved + relativedelta(years=1))
    assert certificate.valid_from > today
    page = text_of(client_for(app).get(f"/verify/{certificate.number}"))
    assert "Valid today" in page
    assert "Not valid today" not in page
