"""Certificate validity periods (Order 47 Art 84, Art 82 ¶2): the first from approval; a renewal
approved within validity runs on from the old expiry, one approved after expiry starts on its
approval date and leaves a gap without a valid certificate; a deemed renewal runs on. Today's
validity, the registry and the public page (`?on=`) all read the periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from devreg.certificates.models import Certificate
from devreg.certificates.queries import valid_ids_on, valid_on
from devreg.extensions import db
from devreg.review.sweep import run_sweep
from tests.registrations.helpers import (
    K,
    S,
    application_in,
    certificate_for,
    client_for,
    new_draft,
    perform,
    right_actor,
    text_of,
)

APPROVED = date(2021, 6, 1)  # valid until 2026-05-31; renewal applied for by 2025-11-30
APPLIED = date(2025, 11, 3)
OLD_LAST_DAY = date(2026, 5, 31)


def _steps(application, events, today):  # type: ignore[no-untyped-def]
    for event in events:
        perform(event, application, right_actor(event, application), today=today)
        db.session.commit()


def _sweep(today: date) -> None:
    run_sweep(today)
    db.session.commit()
    db.session.expire_all()


def _renewed_late(demo, approved_on: date = date(2026, 8, 10)):  # type: ignore[no-untyped-def]
    """Renewal applied in time, but the holder's supplement was still owed at expiry: the
    certificate expired (the sweep does not deem it granted), then the renewal was approved."""
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = new_draft(demo, K.RENEWAL, today=APPLIED, certificate=certificate)
    _steps(application, ("submit", "accept", "assign", "request_supplement"), APPLIED)
    _sweep(OLD_LAST_DAY + timedelta(days=1))
    assert certificate.status == "expired"
    _steps(application, ("answer_supplement",), date(2026, 7, 1))
    _steps(application, ("qms", "give_opinion", "approve"), approved_on)
    db.session.refresh(certificate)
    return certificate


def _valid_by_query(certificate: Certificate, day: date) -> bool:
    return db.session.scalar(
        select(Certificate.id).where(Certificate.id == certificate.id, valid_on(day))) is not None


def test_first_period_runs_five_years_from_approval(app, demo):
    certificate = certificate_for(demo, approved_on=APPROVED)
    assert [(p.kind, p.starts_on, p.ends_on, p.approved_on) for p in certificate.periods] == [
        ("issued", APPROVED, OLD_LAST_DAY, APPROVED)]
    assert certificate.is_valid_on(APPROVED) and certificate.is_valid_on(OLD_LAST_DAY)
    assert not certificate.is_valid_on(APPROVED - timedelta(days=1))
    assert certificate.not_valid_because(APPROVED - timedelta(days=1)) == "not_yet_issued"
    assert certificate.not_valid_because(OLD_LAST_DAY + timedelta(days=1)) == "expired"


def test_renewal_approved_within_validity_starts_the_day_after_the_old_expiry(app, demo):
    # Order 47 Art 84, first case
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = new_draft(demo, K.RENEWAL, today=APPLIED, certificate=certificate)
    _steps(application, ("submit",), APPLIED)
    _steps(application, ("accept", "assign", "qms", "give_opinion", "approve"), date(2026, 1, 5))
    db.session.refresh(certificate)
    assert [(p.kind, p.starts_on, p.ends_on) for p in certificate.periods] == [
        ("issued", APPROVED, OLD_LAST_DAY),
        ("renewal", date(2026, 6, 1), date(2031, 5, 31))]
    assert certificate.periods[1].application_id == application.id
    assert certificate.gaps() == []
    for day in (OLD_LAST_DAY, date(2026, 6, 1), date(2031, 5, 31)):
        assert certificate.is_valid_on(day) and _valid_by_query(certificate, day), day


def test_renewal_approved_after_expiry_starts_on_the_approval_date_with_a_gap(app, demo):
    # Order 47 Art 84, second case: the old code ran the new period on from 2026-06-01
    certificate = _renewed_late(demo, date(2026, 8, 10))
    assert (certificate.valid_from, certificate.valid_until) == (date(2026, 8, 10),
                                                                 date(2031, 8, 9))
    assert [(p.kind, p.starts_on) for p in certificate.periods] == [
        ("issued", APPROVED), ("renewal", date(2026, 8, 10))]
    assert certificate.gaps() == [(date(2026, 6, 1), date(2026, 8, 9))]
    assert certificate.status == "valid"
    for day in (date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 9)):
        assert not certificate.is_valid_on(day), day
        assert not _valid_by_query(certificate, day), day
        assert certificate.not_valid_because(day) == "gap"
    for day in (OLD_LAST_DAY, date(2026, 8, 10), date(2031, 8, 9)):
        assert certificate.is_valid_on(day) and _valid_by_query(certificate, day), day


def test_renewal_not_decided_before_expiry_is_deemed_granted_without_a_gap(app, demo):
    # Order 47 Art 82 ¶2: deemed granted by the expiry date, so Art 84's first case applies
    certificate = certificate_for(demo, approved_on=APPROVED)
    application = new_draft(demo, K.RENEWAL, today=APPLIED, certificate=certificate)
    _steps(application, ("submit", "accept", "assign"), APPLIED)
    _sweep(date(2026, 6, 3))  # the sweep ran late: it still counts from the old expiry
    certificate = db.session.get(Certificate, certificate.id)
    assert [(p.kind, p.starts_on, p.ends_on, p.approved_on, p.application_id)
            for p in certificate.periods][1] == (
        "deemed_renewal", date(2026, 6, 1), date(2031, 5, 31), OLD_LAST_DAY, application.id)
    assert certificate.gaps() == []
    assert certificate.is_valid_on(date(2026, 6, 2)) and _valid_by_query(certificate,
                                                                        date(2026, 6, 2))


def test_cancelled_certificate_was_valid_until_the_cancellation_took_effect(app, demo):
    certificate = certificate_for(demo, approved_on=date(2026, 1, 5))
    application_in(demo, K.CANCELLATION, S.APPROVED, today=date(2026, 3, 2),
                   certificate=certificate)
    db.session.refresh(certificate)
    assert certificate.ended_on == date(2026, 3, 2)
    assert certificate.is_valid_on(date(2026, 3, 1)) and _valid_by_query(certificate,
                                                                         date(2026, 3, 1))
    assert not certificate.is_valid_on(date(2026, 3, 2))
    assert not _valid_by_query(certificate, date(2026, 3, 2))
    assert certificate.not_valid_because(date(2026, 3, 2)) == "cancelled"


def test_query_and_model_method_agree_on_every_day_around_the_gap(app, demo):
    late = _renewed_late(demo)
    other = certificate_for(demo, approved_on=date(2026, 7, 1), name="体温计")
    days = [date(2026, 5, 30) + timedelta(days=n) for n in range(0, 90, 3)]
    for day in days:
        expected = {c.id for c in (late, other) if c.is_valid_on(day)}
        assert valid_ids_on([late.id, other.id], day) == expected, day


# --- the public pages --------------------------------------------------------------------------

def test_verify_on_a_day_in_the_gap_says_not_valid_in_both_languages(app, demo):
    certificate = _renewed_late(demo)
    url = f"/verify/{certificate.number}?on=2026-07-01"
    english = text_of(client_for(app).get(url))
    assert "Not valid on 2026-07-01" in english
    assert "no valid certificate between two validity periods" in english
    assert 'data-testid="validity-gap"' in english
    chinese = text_of(client_for(app, lang="zh-CN").get(url))
    assert "2026-07-01无效" in chinese
    assert "两个有效期之间无有效注册证" in chinese


@pytest.mark.parametrize(("day", "verdict"), [("2026-05-31", "Valid on 2026-05-31"),
                                              ("2026-08-10", "Valid on 2026-08-10"),
                                              ("2021-05-31", "Not valid on 2021-05-31")])
def test_verify_on_a_day_answers_for_that_day(app, demo, day, verdict):
    certificate = _renewed_late(demo)
    assert verdict in text_of(client_for(app).get(f"/verify/{certificate.number}?on={day}"))


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "20260701", "2026-7-1"])
def test_verify_with_a_bad_date_says_how_to_write_it(app, demo, bad):
    certificate = certificate_for(demo, approved_on=APPROVED)
    response = client_for(app).get(f"/verify/{certificate.number}?on={bad}")
    assert response.status_code == 400
    page = text_of(response)
    assert "Enter the date as YYYY-MM-DD" in page
    assert f'value="{bad}"' in page  # what was typed is kept
    chinese = text_of(client_for(app, lang="zh-CN").get(f"/verify/{certificate.number}?on={bad}"))
    assert "请按 YYYY-MM-DD 格式输入日期" in chinese


def test_registry_and_certificate_page_show_the_periods_and_the_gap(app, demo):
    certificate = _renewed_late(demo)
    registry = text_of(client_for(app).get(f"/registry?q={certificate.number}"))
    assert "2026-06-01 – 2026-08-09 (no valid certificate)" in registry
    page = text_of(client_for(app, "holder").get(f"/certificates/{certificate.id}"))
    assert 'data-testid="validity-gap"' in page
    assert "approved 2026-08-10" in page
