"""Holder-side deadlines: the change-filing window (Order 47 Art 79 ¶3: 30 days of the change,
calendar by default; Civil Code Art 203 past holidays), and registering a device again after its
certificate expired or was cancelled (a new first registration with a new number)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from devreg.certificates.models import Certificate
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.deadlines import change_filing_deadline, filing_window
from tests.registrations.helpers import (
    CHANGED_ITEMS,
    DESCRIPTIONS,
    PASSWORD,
    K,
    S,
    advance,
    application_in,
    certificate_for,
    client_for,
    post,
    text_of,
    upload_all,
)

D = date(2026, 3, 2)


def _filing(demo, certificate, *, changed_on, today):  # type: ignore[no-untyped-def]
    application = svc.create_application(
        K.CHANGE_FILING, certificate.device, actor=demo.user("holder"), certificate=certificate,
        today=today, change_description=DESCRIPTIONS[K.CHANGE_FILING],
        changed_items=CHANGED_ITEMS[K.CHANGE_FILING], changed_on=changed_on)
    upload_all(application, demo.user("holder"))
    db.session.commit()
    return application


# --- change filing: 30 days of the change ----------------------------------------------------

def test_change_filing_deadline_is_30_calendar_days_rolled_past_holidays(app):
    assert change_filing_deadline(date(2026, 3, 2), "13") == (date(2026, 4, 1), False)
    # 2026-05-01 is 劳动节: Civil Code Art 203 moves the last day to the next working day
    assert change_filing_deadline(date(2026, 4, 1), "13") == (date(2026, 5, 6), False)


def test_change_filing_deadline_in_working_days_when_set(app, monkeypatch):
    monkeypatch.setitem(app.config, "CHANGE_FILING_DAYS_KIND", "working")
    deadline, working = change_filing_deadline(date(2026, 3, 2), "13")
    assert working and deadline == date(2026, 4, 14)  # 30 working days (清明 on 4-6)


def test_change_filing_records_the_date_of_the_change_and_refuses_none_or_future(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    for changed_on, message in ((None, "Enter the date of the change"),
                                (D + timedelta(days=1), "cannot be in the future")):
        with pytest.raises(DomainError) as refused:
            _filing(demo, certificate, changed_on=changed_on, today=D)
        assert message in refused.value.message
        db.session.rollback()
    application = _filing(demo, certificate, changed_on=D - timedelta(days=3), today=D)
    assert application.changed_on == D - timedelta(days=3)


def test_change_filing_filed_in_time_is_not_late(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    application = _filing(demo, certificate, changed_on=D, today=date(2026, 4, 1))
    advance(application, ("file",), today=date(2026, 4, 1))
    window = filing_window(application)
    assert (window.deadline, window.is_late) == (date(2026, 4, 1), False)


def test_change_filing_filed_late_is_filed_with_a_warning(app, demo):
    # Order 47 Art 79 ¶3 was never checked: a late filing is still recorded (the holder must
    # file), but both sides see that it came late
    certificate = certificate_for(demo, approved_on=D)
    application = _filing(demo, certificate, changed_on=D, today=date(2026, 4, 3))
    advance(application, ("file",), today=date(2026, 4, 3))
    assert application.state == S.FILED
    window = filing_window(application)
    assert (window.is_late, window.days_late) == (True, 2)


def test_change_filing_page_warns_in_both_languages(app, demo):
    today = china_today()
    certificate = certificate_for(demo, approved_on=today - timedelta(days=60))
    late = _filing(demo, certificate, changed_on=today - timedelta(days=45), today=today)
    url = f"/applications/{late.id}"
    english = text_of(client_for(app, "holder").get(url))
    assert 'data-testid="filing-late"' in english and "this filing is late" in english
    chinese = text_of(client_for(app, "holder", lang="zh-CN").get(url))
    assert "备案已逾期" in chinese


def test_change_filing_form_asks_for_the_date_and_keeps_what_was_typed(app, demo):
    certificate = certificate_for(demo, approved_on=china_today() - timedelta(days=10))
    client = client_for(app, "holder")
    path = f"/certificates/{certificate.id}/apply/change_filing"
    assert 'name="changed_on"' in text_of(client.get(path))
    response = post(client, path, {"change_description": "注册人住所变更",
                                   "holder_address": "河北省石家庄市新华区 1 号"}, token_from=path)
    assert response.status_code == 200
    page = text_of(response)
    assert "Enter the date of the change" in page and "河北省石家庄市新华区 1 号" in page


# --- registering again -----------------------------------------------------------------------

def _register_again(demo, certificate: Certificate, today: date):  # type: ignore[no-untyped-def]
    application = svc.create_application(K.INITIAL, certificate.device,
                                         actor=demo.user("holder"), today=today,
                                         production_address="河北省石家庄市高新区 1 号")
    upload_all(application, demo.user("holder"))
    db.session.commit()
    advance(application, ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
            today=today)
    return application


def test_device_with_a_cancelled_certificate_is_registered_again_with_a_new_number(app, demo):
    old = certificate_for(demo, approved_on=D)
    application_in(demo, K.CANCELLATION, S.APPROVED, today=date(2026, 3, 9), certificate=old)
    again = _register_again(demo, old, date(2026, 6, 1))
    new = again.certificate
    assert new.id != old.id and new.device_id == old.device_id
    assert new.number != old.number and new.approved_on == date(2026, 6, 1)
    db.session.refresh(old)
    assert old.status == "cancelled" and new.status == "valid"


def test_device_with_an_expired_certificate_is_registered_again(app, demo):
    old = certificate_for(demo, approved_on=date(2021, 3, 1))  # last valid day 2026-02-28
    again = _register_again(demo, old, D)  # before the sweep marked it expired
    # a new first registration: new year of first registration, new serial (Order 47 Art 115)
    assert (old.number, again.certificate.number) == ("冀械注准20212070001", "冀械注准20262070001")


@pytest.mark.parametrize("ending", ["valid", "revoked"])
def test_device_with_a_valid_or_revoked_certificate_is_not_registered_again(app, demo, ending):
    old = certificate_for(demo, approved_on=D)
    if ending == "revoked":
        review_user = demo.user("approver")
        from devreg.certificates.services import revoke_certificate
        from devreg.signatures.services import sign

        signature = sign(old, signer=review_user, password=PASSWORD, meaning="decided",
                         content={"revoke": old.number})
        revoke_certificate(old, reasons="提供虚假资料", signature=signature, on=D)
        db.session.commit()
    with pytest.raises(DomainError) as refused:
        svc.create_application(K.INITIAL, old.device, actor=demo.user("holder"), today=D,
                               production_address="河北省石家庄市")
    assert ("revoked" if ending == "revoked" else "already registered") in refused.value.message
