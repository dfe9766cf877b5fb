"""The certificate's life after issue: change registration appends a change document, change
filing updates holder items on submission, cancellation on request, revocation by the
province's approver (e-signed)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from devreg.certificates.models import Certificate, CertificateChange
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.signatures.models import Signature
from tests.registrations.helpers import (
    CHANGED_ITEMS,
    PASSWORD,
    K,
    S,
    application_in,
    certificate_for,
    client_for,
    post_action,
    submit_form,
    text_of,
    upload_all,
)


def _history(client, certificate) -> str:  # type: ignore[no-untyped-def]
    page = text_of(client.get(f"/certificates/{certificate.id}"))
    start = page.index('data-testid="certificate-history"')
    return page[start:page.index("</table>", start)]


# --- change registration ---------------------------------------------------------------------

def test_change_registration_approval_appends_change_document_and_updates_items(app, demo):
    application = application_in(demo, K.CHANGE, S.APPROVED)
    certificate = application.certificate
    db.session.refresh(certificate)
    assert certificate.model_spec == "BP-100, BP-200, BP-300"
    assert certificate.number.endswith("0001")  # the number does not change
    change = certificate.changes[-1]
    assert change.kind == "change_registration"
    assert change.application_id == application.id
    assert change.before == {"model_spec": "BP-100, BP-200"}
    assert change.after == {"model_spec": "BP-100, BP-200, BP-300"}
    assert change.signature_id is not None
    history = _history(client_for(app, "holder"), certificate)
    assert "Change registration document" in history
    assert "BP-300" in history


def test_change_registration_refused_leaves_certificate_unchanged(app, demo):
    application = application_in(demo, K.CHANGE, S.REFUSED)
    certificate = application.certificate
    assert certificate.model_spec == "BP-100, BP-200"
    assert [c.kind for c in certificate.changes] == ["issued"]


def test_change_registration_of_holder_items_is_refused(app, demo):
    certificate = certificate_for(demo)
    with pytest.raises(DomainError):
        svc.create_application(K.CHANGE, certificate.device, actor=demo.user("holder"),
                               certificate=certificate, today=certificate.approved_on,
                               change_description="更名", changed_items={"holder_name": "新名"})


def test_change_registration_pending_does_not_touch_the_certificate(app, demo):
    application = application_in(demo, K.CHANGE, S.REVIEW_DONE)
    assert application.certificate.model_spec == "BP-100, BP-200"


# --- change filing ---------------------------------------------------------------------------

def test_change_filing_updates_holder_address_on_submission_and_shows_in_history(app, demo):
    application = application_in(demo, K.CHANGE_FILING, S.FILED)
    certificate = db.session.get(Certificate, application.certificate_id)
    new_address = CHANGED_ITEMS[K.CHANGE_FILING]["holder_address"]
    assert certificate.holder_address == new_address
    change = certificate.changes[-1]
    assert change.kind == "change_filing"
    assert change.after == {"holder_address": new_address}
    assert application.closed_on is not None
    history = _history(client_for(app, "holder"), certificate)
    assert "Change filing" in history
    assert new_address in history
    verify = text_of(client_for(app).get(f"/verify/{certificate.number}"))
    assert new_address in verify


def test_change_filing_through_the_web_renames_the_holder(app, demo):
    certificate = certificate_for(demo, approved_on=china_today())
    client = client_for(app, "holder")
    path = f"/certificates/{certificate.id}/apply/change_filing"
    response = submit_form(client, path, path, {"change_description": "企业名称变更",
                                                "holder_name": "石家庄康联医疗器械有限公司",
                                                "changed_on": china_today().isoformat()})
    assert response.status_code == 302, text_of(response)[-2000:]
    application = db.session.scalar(select(svc.Application).where(
        svc.Application.kind == "change_filing"))
    upload_all(application, demo.user("holder"))
    db.session.commit()
    app_page = f"/applications/{application.id}"
    response = submit_form(client, app_page, f"{app_page}/submit",
                           {"declaration": "y", "signature_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert application.state == S.FILED
    assert certificate.holder_name == "石家庄康联医疗器械有限公司"
    assert "石家庄康联医疗器械有限公司" in _history(client, certificate)


def test_change_filing_of_reviewed_items_is_refused(app, demo):
    certificate = certificate_for(demo)
    with pytest.raises(DomainError):
        svc.create_application(K.CHANGE_FILING, certificate.device, actor=demo.user("holder"),
                               certificate=certificate, today=certificate.approved_on,
                               change_description="改型号", changed_items={"model_spec": "X"})


def test_change_filing_without_new_value_is_refused(app, demo):
    certificate = certificate_for(demo)
    with pytest.raises(DomainError):
        svc.create_application(K.CHANGE_FILING, certificate.device, actor=demo.user("holder"),
                               certificate=certificate, today=certificate.approved_on,
                               change_description="无", changed_items={"holder_name": ""})


# --- cancellation ----------------------------------------------------------------------------

def test_cancellation_approval_cancels_the_certificate(app, demo):
    application = application_in(demo, K.CANCELLATION, S.APPROVED)
    certificate = db.session.get(Certificate, application.certificate_id)
    assert certificate.status == "cancelled"
    assert certificate.changes[-1].kind == "cancellation"
    page = text_of(client_for(app).get(f"/verify/{certificate.number}"))
    assert "Not valid today" in page


def test_cancellation_refused_keeps_the_certificate_valid(app, demo):
    application = application_in(demo, K.CANCELLATION, S.REFUSED)
    assert db.session.get(Certificate, application.certificate_id).status == "valid"


def test_application_on_a_cancelled_certificate_is_refused(app, demo):
    application = application_in(demo, K.CANCELLATION, S.APPROVED)
    certificate = application.certificate
    for kind in (K.CHANGE, K.RENEWAL, K.CANCELLATION, K.CHANGE_FILING):
        with pytest.raises(DomainError):
            svc.create_application(kind, certificate.device, actor=demo.user("holder"),
                                   certificate=certificate, today=certificate.approved_on,
                                   change_description="x",
                                   changed_items=CHANGED_ITEMS.get(kind))
        db.session.rollback()
    response = client_for(app, "holder").get(f"/certificates/{certificate.id}/apply/change")
    assert response.status_code == 403


# --- revocation ------------------------------------------------------------------------------

def _revocations(certificate) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(CertificateChange).where(
        CertificateChange.certificate_id == certificate.id,
        CertificateChange.kind == "revocation"))


def test_revoke_by_province_approver_with_signature_revokes(app, demo):
    certificate = certificate_for(demo)
    client = client_for(app, "approver")
    path = f"/certificates/{certificate.id}"
    response = submit_form(client, path, f"{path}/revoke",
                           {"reasons": "提供虚假资料", "signature_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == "revoked"
    change = certificate.changes[-1]
    assert (change.kind, change.summary) == ("revocation", "提供虚假资料")
    signature = db.session.get(Signature, change.signature_id)
    assert signature.signer_id == demo.user("approver").id
    assert "Not valid today" in text_of(client_for(app).get(f"/verify/{certificate.number}"))


def test_revoke_with_wrong_password_revokes_nothing(app, demo):
    certificate = certificate_for(demo)
    client = client_for(app, "approver")
    path = f"/certificates/{certificate.id}"
    signatures = db.session.scalar(select(func.count()).select_from(Signature))
    response = submit_form(client, path, f"{path}/revoke",
                           {"reasons": "提供虚假资料", "signature_password": "wrong-password"})
    assert response.status_code == 422
    assert "The password is not correct" in text_of(response)
    assert "提供虚假资料" in text_of(response)  # the reasons typed are kept
    db.session.refresh(certificate)
    assert certificate.status == "valid"
    assert _revocations(certificate) == 0
    assert db.session.scalar(select(func.count()).select_from(Signature)) == signatures


@pytest.mark.parametrize(("email", "status"), [
    ("holder", 403), ("reviewer", 403), ("reviewer.js", 404), ("holder.bj", 404),
], ids=["holder", "reviewer-without-approve-duty", "other-province", "other-holder"])
def test_revoke_by_anyone_else_is_refused(app, demo, email, status):
    certificate = certificate_for(demo)
    response = post_action(client_for(app, email), f"/certificates/{certificate.id}/revoke",
                           {"reasons": "x", "signature_password": PASSWORD})
    assert response.status_code == status
    db.session.refresh(certificate)
    assert certificate.status == "valid"
    assert _revocations(certificate) == 0


def test_revoke_form_not_shown_to_holder(app, demo):
    certificate = certificate_for(demo)
    page = text_of(client_for(app, "holder").get(f"/certificates/{certificate.id}"))
    assert f"/certificates/{certificate.id}/revoke" not in page


def test_revoke_of_cancelled_certificate_is_refused(app, demo):
    application = application_in(demo, K.CANCELLATION, S.APPROVED)
    certificate = application.certificate
    response = post_action(client_for(app, "approver"), f"/certificates/{certificate.id}/revoke",
                           {"reasons": "x", "signature_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == "cancelled"
    assert _revocations(certificate) == 0


# --- the certificate as issued -------------------------------------------------------------------

def test_issued_certificate_shows_items_dates_and_approver_signature(app, demo):
    application = application_in(demo, K.INITIAL, S.APPROVED)
    certificate = application.certificate
    page = text_of(client_for(app, "holder").get(f"/certificates/{certificate.id}/print"))
    expected = (
        certificate.number, "石家庄康联医疗科技有限公司",  # holder
        "河北省石家庄市高新区天山大街 266 号",  # holder address
        "河北省石家庄市高新区 1 号",  # production address
        "电子血压计", "BP-100, BP-200", "主机、袖带", "测量血压",  # device items
        "2026-03-02", "2031-03-01",  # approval date, last valid day
        "陈静 Chen Jing", "Approved",  # the approver's signature manifestation
    )
    for text in expected:
        assert text in page, text
    assert f"/verify/{quote(certificate.number)}/qr.svg" in page


# --- decisions on a certificate that is no longer valid ----------------------------------------

def _revoke(demo, certificate) -> None:  # type: ignore[no-untyped-def]
    from devreg.certificates import services as certificates
    from devreg.signatures.services import sign

    signature = sign(certificate, signer=demo.user("approver"), password=PASSWORD,
                     meaning="decided", content={"revoke": certificate.number})
    certificates.revoke_certificate(certificate, reasons="提供虚假资料", signature=signature,
                                    on=certificate.approved_on)
    db.session.commit()


@pytest.mark.parametrize(("kind", "state"), [
    (K.CANCELLATION, S.ACCEPTED), (K.CHANGE, S.REVIEW_DONE), (K.RENEWAL, S.REVIEW_DONE),
])
def test_approval_on_a_revoked_certificate_is_refused_and_it_stays_revoked(app, demo, kind,
                                                                            state):
    from tests.registrations.helpers import perform

    application = application_in(demo, kind, state)
    certificate = application.certificate
    valid_until, model_spec = certificate.valid_until, certificate.model_spec
    _revoke(demo, certificate)
    with pytest.raises(DomainError):
        perform("approve", application, demo.user("approver"))
    db.session.rollback()
    db.session.refresh(certificate)
    db.session.refresh(application)
    assert application.state == state
    assert certificate.status == "revoked"
    assert (certificate.valid_until, certificate.model_spec) == (valid_until, model_spec)
    perform("refuse", application, demo.user("approver"))  # it can still be refused
    db.session.commit()
    assert application.state == S.REFUSED


def test_change_filing_submitted_after_revocation_is_refused(app, demo):
    from tests.registrations.helpers import perform

    application = application_in(demo, K.CHANGE_FILING, S.DRAFT)
    certificate = application.certificate
    _revoke(demo, certificate)
    with pytest.raises(DomainError):
        perform("file", application, demo.user("holder"))
    db.session.rollback()
    db.session.refresh(certificate)
    assert application.state == S.DRAFT
    assert certificate.holder_address == "河北省石家庄市高新区天山大街 266 号"


def test_application_on_a_certificate_past_its_last_valid_day_is_refused(app, demo):
    from datetime import date

    certificate = certificate_for(demo, approved_on=date(2021, 6, 1))  # last day 2026-05-31
    assert certificate.status == "valid"  # the sweep has not run yet
    with pytest.raises(DomainError):
        svc.create_application(K.CHANGE, certificate.device, actor=demo.user("holder"),
                               certificate=certificate, today=date(2026, 6, 1),
                               change_description="改型号",
                               changed_items=CHANGED_ITEMS[K.CHANGE])
    db.session.rollback()
    application = svc.create_application(K.CHANGE, certificate.device,
                                         actor=demo.user("holder"), certificate=certificate,
                                         today=date(2026, 5, 31), change_description="改型号",
                                         changed_items=CHANGED_ITEMS[K.CHANGE])
    assert application.state == S.DRAFT
