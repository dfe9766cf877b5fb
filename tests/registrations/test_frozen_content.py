"""Submissions freeze what they submit (issue 8 item 1): the registered items and the hash of
every current dossier file are copied into the application per round, the holder's signature
covers exactly that, and review, decision and certificate use it, never the live device."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import content as frozen
from devreg.registrations import services as svc
from devreg.registrations.models import Application, Device, SubmittedContent
from devreg.signatures.models import Signature
from devreg.signatures.services import bound_content, content_hash
from tests.registrations.helpers import (
    PDF,
    K,
    S,
    advance,
    application_in,
    client_for,
    perform,
    post,
    right_actor,
    text_of,
)

EDITED = {"name": "改名后的理疗仪", "model_spec": "X-9", "structure": "改过的结构",
          "intended_use": "改过的用途", "technical_requirements": "改过的技术要求",
          "device_class": "2", "category_code": "09"}


def _edit_form(device: Device) -> dict[str, str]:
    return dict(EDITED)


def _signature(application: Application, meaning: str) -> Signature:
    return db.session.scalars(db.select(Signature).where(
        Signature.subject_type == "Application", Signature.subject_id == application.id,
        Signature.meaning == meaning).order_by(Signature.id)).all()[-1]


def test_submit_freezes_items_and_file_hashes_and_signature_covers_exactly_them(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="冻结血压计")
    (row,) = application.contents
    assert row.round == 1 and row.event == "submit"
    assert row.items["name"] == "冻结血压计"
    assert row.items["device_class"] == "2"
    assert row.items["category_code"] == "07"
    assert row.items["production_address"] == application.production_address
    assert row.file_hashes == {c: f.sha256 for c, f in application.current_files().items()}
    signature = _signature(application, "submitted")
    assert row.signature_id == signature.id
    assert signature.content == frozen.signed_content(row)
    assert signature.content_hash == content_hash(bound_content(
        "Application", application.id, "submitted", frozen.signed_content(row)))


def test_edit_device_after_submission_is_refused_with_message(app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, name="审评完的血压计")
    client = client_for(app, "holder")
    page = f"/devices/{application.device_id}"
    response = post(client, page, _edit_form(application.device), token_from=page)
    assert "has been submitted and is being handled" in text_of(response)
    assert "改名后的理疗仪" in text_of(response)  # the form keeps what was typed
    device = db.session.get(Device, application.device_id)
    assert device.name == "审评完的血压计"
    assert device.category_code == "07"


def test_edit_device_after_submission_is_refused_in_chinese(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="已提交的血压计")
    data = svc.DeviceData(**{**EDITED, "is_ivd_reagent": False})
    with force_locale("zh_CN"), pytest.raises(DomainError) as refused:
        svc.update_device(application.device, data)
    assert "冻结" in refused.value.message


def test_certificate_is_issued_with_the_submitted_items_not_the_live_device(app, demo):
    """The Why bullet: the holder edited the device after the reviewer's opinion and the
    certificate came out with the edited name, models and subcategory (NN 07 became 09)."""
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, name="原名血压计")
    # even a write that bypasses the service (SQL) does not reach the certificate
    db.session.execute(text(
        "UPDATE devices SET name = '改名后的理疗仪', model_spec = 'X-9', "
        "intended_use = '改过的用途', category_code = '09' WHERE id = :id"),
        {"id": application.device_id})
    db.session.commit()
    advance(application, ("approve",))
    certificate = application.certificate
    assert certificate.device_name == "原名血压计"
    assert certificate.model_spec == "BP-100, BP-200"
    assert certificate.intended_use == "测量血压"
    assert certificate.number[-6:-4] == "07", certificate.number


def test_supplement_answer_freezes_a_new_round_with_the_updated_items_and_shows_the_diff(
        app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, name="补充前的名称")
    holder = right_actor("answer_supplement", application)
    # while the supplement is open the holder may update the items and files
    svc.update_device(application.device, svc.DeviceData(
        name="补充后的名称", model_spec="BP-100, BP-200", structure="主机、袖带",
        intended_use="测量血压", technical_requirements="按 GB 9706.1 检验",
        device_class="2", category_code="07", is_ivd_reagent=False))
    svc.add_dossier_file(application, "3", filename="tech.pdf",
                         stream=io.BytesIO(PDF + b"% v2\n"), actor=holder)
    perform("answer_supplement", application, holder)
    db.session.commit()
    first, second = application.contents
    assert (first.round, second.round, second.event) == (1, 2, "supplement")
    assert first.items["name"] == "补充前的名称"
    assert second.items["name"] == "补充后的名称"
    assert second.items["technical_requirements"] == "按 GB 9706.1 检验"
    changes = frozen.changes_between(first, second)
    assert ("name", "补充前的名称", "补充后的名称") in changes["items"]
    assert changes["files"] == ["3"]
    signature = _signature(application, "supplement_submitted")
    assert second.signature_id == signature.id
    assert signature.content["content"]["items"]["name"] == "补充后的名称"

    for lang, heading in (("en", "changes since round 1"), ("zh_CN", "相对第 1 轮的变更")):
        page = text_of(client_for(app, "reviewer", lang=lang).get(
            f"/applications/{application.id}"))
        assert heading in page, lang
        assert "补充前的名称" in page and "补充后的名称" in page


def test_approval_after_a_supplement_uses_the_latest_round(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, name="第一轮名称")
    svc.update_device(application.device, svc.DeviceData(
        name="第二轮名称", model_spec="BP-300", structure="主机、袖带", intended_use="测量血压",
        device_class="2", category_code="07", is_ivd_reagent=False))
    db.session.commit()
    advance(application, ("answer_supplement", "qms", "give_opinion", "approve"))
    assert application.certificate.device_name == "第二轮名称"
    assert application.certificate.model_spec == "BP-300"


def test_resubmission_after_correction_is_a_new_round(app, demo):
    application = application_in(demo, K.INITIAL, S.CORRECTION_REQUESTED, name="补正血压计")
    advance(application, ("submit",))
    assert [r.event for r in application.contents] == ["submit", "resubmit"]
    assert _signature(application, "submitted").id == application.contents[-1].signature_id


def test_change_registration_applies_the_submitted_changes(app, demo):
    application = application_in(demo, K.CHANGE, S.REVIEW_DONE)
    # a later SQL edit of the draft's changed items does not reach the certificate
    db.session.execute(text("UPDATE applications SET changed_items = :v WHERE id = :id"),
                       {"v": '{"model_spec": "篡改的型号"}', "id": application.id})
    db.session.commit()
    db.session.expire_all()
    advance(application, ("approve",))
    assert application.certificate.model_spec == "BP-100, BP-200, BP-300"


def test_technical_requirements_are_saved_on_the_device_and_frozen(app, demo):
    client = client_for(app, "holder")
    response = post(client, "/devices/new", {
        "name": "技术要求血压计", "model_spec": "BP-1", "structure": "主机",
        "intended_use": "测量血压", "technical_requirements": "示值误差 ±3 mmHg",
        "device_class": "2", "category_code": "07"}, token_from="/devices/new")
    assert response.status_code == 302
    device = db.session.scalars(db.select(Device).where(Device.name == "技术要求血压计")).one()
    assert device.technical_requirements == "示值误差 ±3 mmHg"


def test_the_application_page_shows_the_frozen_content(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="页面血压计")
    db.session.execute(text("UPDATE devices SET name = '后来改的名字' WHERE id = :id"),
                       {"id": application.device_id})
    db.session.commit()
    page = text_of(client_for(app, "reviewer").get(f"/applications/{application.id}"))
    assert "Submitted content (frozen at submission, round 1)" in page
    section = page.split('data-testid="submitted-content"', 1)[1]
    assert "页面血压计" in section


def test_rounds_are_unique_per_application(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="唯一轮次")
    row = application.contents[0]
    db.session.add(SubmittedContent(application_id=application.id, round=1, event="submit",
                                    content=row.content, files=row.files,
                                    content_hash=row.content_hash, created_at=row.created_at))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_edit_device_in_draft_is_still_allowed(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT, name="草稿血压计")
    client = client_for(app, "holder")
    page = f"/devices/{application.device_id}"
    response = post(client, page, {**EDITED, "category_code": "07"}, token_from=page)
    assert response.status_code == 302
    assert db.session.get(Device, application.device_id).name == "改名后的理疗仪"
