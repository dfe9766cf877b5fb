"""Change registration covers Order 47 Art 79 ¶2 (printed items and substantive changes of
design, raw materials, production process or method of use, described and reviewed); the
approval becomes a change document (变更注册文件) attached to the certificate, listing before and
after, valid together with it (Art 81); the certificate's items reflect it."""

from __future__ import annotations

from datetime import date

import pytest

from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as svc
from tests.registrations.helpers import (
    K,
    S,
    advance,
    certificate_for,
    client_for,
    post,
    text_of,
    upload_all,
)

D = date(2026, 3, 2)
RAW = "外壳材料由 ABS 改为医用 PC，已完成生物相容性评价。"


def _change(demo, certificate, *, items=None, substantive=None):  # type: ignore[no-untyped-def]
    application = svc.create_application(
        K.CHANGE, certificate.device, actor=demo.user("holder"), certificate=certificate,
        today=D, change_description="变更型号并更换外壳材料", changed_items=items or {},
        substantive_changes=substantive)
    upload_all(application, demo.user("holder"))
    db.session.commit()
    return application


def test_approved_change_becomes_a_change_document_with_before_and_after(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    application = _change(demo, certificate,
                          items={"model_spec": "BP-100, BP-300", "device_name": "上臂式血压计"},
                          substantive={"raw_materials": RAW})
    advance(application, ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
            today=D)
    db.session.refresh(certificate)
    [document] = certificate.change_documents
    assert (document.sequence, document.application_id, document.approved_on) == (
        1, application.id, D)
    assert document.items == [
        {"item": "device_name", "before": "电子血压计", "after": "上臂式血压计"},
        {"item": "model_spec", "before": "BP-100, BP-200", "after": "BP-100, BP-300"}]
    assert document.substantive_changes == {"raw_materials": RAW}
    assert document.signature_id is not None
    # the certificate's current content reflects the change
    assert (certificate.device_name, certificate.model_spec) == ("上臂式血压计", "BP-100, BP-300")


def test_a_second_change_gets_the_next_document_number(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    for spec in ("BP-100, BP-300", "BP-100, BP-300, BP-500"):
        application = _change(demo, certificate, items={"model_spec": spec})
        advance(application, ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
                today=D)
    db.session.refresh(certificate)
    assert [(d.sequence, d.items[0]["before"]) for d in certificate.change_documents] == [
        (1, "BP-100, BP-200"), (2, "BP-100, BP-300")]


def test_a_substantive_change_alone_is_a_change_registration(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    application = _change(demo, certificate,
                          substantive={"production_process": "灭菌方式改为环氧乙烷"})
    assert application.changed_items is None
    assert application.substantive_changes == {"production_process": "灭菌方式改为环氧乙烷"}


def test_change_without_items_or_substantive_change_is_refused(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    with pytest.raises(DomainError) as refused:
        _change(demo, certificate, substantive={"design": "   "})
    assert "describe a substantive change" in refused.value.message


def test_substantive_changes_are_not_filed(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    with pytest.raises(DomainError) as refused:
        svc.create_application(
            K.CHANGE_FILING, certificate.device, actor=demo.user("holder"),
            certificate=certificate, today=D, change_description="x",
            changed_items={"holder_name": "新名称"}, substantive_changes={"design": "改设计"},
            changed_on=D)
    assert "change registration" in refused.value.message


def test_change_document_page_in_both_languages_and_link_from_the_certificate(app, demo):
    certificate = certificate_for(demo, approved_on=D)
    application = _change(demo, certificate, items={"model_spec": "BP-100, BP-300"},
                          substantive={"raw_materials": RAW})
    advance(application, ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
            today=D)
    holder = client_for(app, "holder")
    page = text_of(holder.get(f"/certificates/{certificate.id}"))
    assert f"/certificates/{certificate.id}/changes/1" in page
    english = text_of(holder.get(f"/certificates/{certificate.id}/changes/1"))
    assert "Models and specifications" in english and "BP-100, BP-200" in english
    assert "BP-100, BP-300" in english and RAW in english
    assert "valid until its last valid day, 2031-03-01 (Order 47 Art 81)" in english
    chinese = text_of(client_for(app, "holder", lang="zh-CN").get(
        f"/certificates/{certificate.id}/changes/1"))
    assert "医疗器械变更注册文件" in chinese and "变更前" in chinese and "原材料变化" in chinese
    assert holder.get(f"/certificates/{certificate.id}/changes/2").status_code == 404


def test_change_form_offers_the_substantive_changes(app, demo):
    certificate = certificate_for(demo, approved_on=china_today())
    client = client_for(app, "holder")
    path = f"/certificates/{certificate.id}/apply/change"
    page = text_of(client.get(path))
    for name in ("design", "raw_materials", "production_process", "method_of_use"):
        assert f'name="{name}"' in page
    response = post(client, path, {"change_description": "更换原材料", "raw_materials": RAW},
                    token_from=path)
    assert response.status_code == 302
    application = db.session.scalar(db.select(svc.Application).where(
        svc.Application.kind == "change"))
    assert application.substantive_changes == {"raw_materials": RAW}
    assert RAW in text_of(client.get(f"/applications/{application.id}"))
    assert application.state == S.DRAFT


def test_migration_turns_recorded_change_registrations_into_change_documents(app, demo):
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from devreg import ROOT
    from devreg.certificates.models import ChangeDocument

    certificate = certificate_for(demo, approved_on=D)
    application = _change(demo, certificate, items={"model_spec": "BP-100, BP-300"})
    advance(application, ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
            today=D)
    expected = [(d.sequence, d.application_id, d.approved_on, d.items, d.signature_id)
                for d in certificate.change_documents]
    db.session.execute(db.delete(ChangeDocument))
    db.session.commit()
    path = next((ROOT / "migrations" / "versions").glob("*_change_documents.py"))
    spec = importlib.util.spec_from_file_location("change_documents_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    with Operations.context(MigrationContext.configure(db.session.connection())):
        module._backfill()
    db.session.commit()
    db.session.expire_all()
    assert [(d.sequence, d.application_id, d.approved_on, d.items, d.signature_id)
            for d in db.session.scalars(db.select(ChangeDocument))] == expected


# --- product technical requirements (产品技术要求, Order 47 Art 58 and 79 ¶2) -------------------

def _device_with_requirements(demo, text: str):  # type: ignore[no-untyped-def]
    device = svc.create_device(svc.DeviceData(
        name="电子血压计", model_spec="BP-100, BP-200", structure="主机、袖带",
        intended_use="测量血压", device_class="2", category_code="07", is_ivd_reagent=False,
        technical_requirements=text), holder_org_id=demo.user("holder").organisation_id)
    application = svc.create_application(K.INITIAL, device, actor=demo.user("holder"), today=D,
                                         production_address="河北省石家庄市高新区 1 号")
    upload_all(application, demo.user("holder"))
    db.session.commit()
    advance(application, ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
            today=D)
    return application.certificate


def test_certificate_carries_the_submitted_technical_requirements(app, demo):
    certificate = _device_with_requirements(demo, "示值误差 ±3 mmHg；按 GB 9706.1 检验")
    assert certificate.technical_requirements == "示值误差 ±3 mmHg；按 GB 9706.1 检验"
    page = text_of(client_for(app, "holder").get(f"/certificates/{certificate.id}/print"))
    assert "Attachment: product technical requirements" in page
    assert "示值误差 ±3 mmHg" in page


def test_change_registration_changes_the_product_technical_requirements(app, demo):
    # Why: change registration could not change 产品技术要求, which Order 47 Art 79 ¶2 lists
    certificate = _device_with_requirements(demo, "示值误差 ±3 mmHg")
    application = _change(demo, certificate,
                          items={"technical_requirements": "示值误差 ±2 mmHg"})
    assert application.changed_items == {"technical_requirements": "示值误差 ±2 mmHg"}
    advance(application, ("submit", "accept", "assign", "qms", "give_opinion", "approve"),
            today=D)
    db.session.refresh(certificate)
    assert certificate.technical_requirements == "示值误差 ±2 mmHg"
    [document] = certificate.change_documents
    assert document.items == [{"item": "technical_requirements", "before": "示值误差 ±3 mmHg",
                               "after": "示值误差 ±2 mmHg"}]
    page = text_of(client_for(app, "holder", lang="zh-CN").get(
        f"/certificates/{certificate.id}/changes/1"))
    assert "产品技术要求" in page and "示值误差 ±2 mmHg" in page


def test_change_form_offers_the_technical_requirements_with_their_current_value(app, demo):
    certificate = _device_with_requirements(demo, "示值误差 ±3 mmHg")
    page = text_of(client_for(app, "holder").get(
        f"/certificates/{certificate.id}/apply/change"))
    assert 'name="technical_requirements"' in page and "示值误差 ±3 mmHg" in page
