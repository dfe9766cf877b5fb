"""Devices: domestic Class II only (Class I and III are refused with where they belong), the IVD
flag goes with numbering code 40, and a registered device is changed only through the
certificate's applications."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.models import Device
from tests.registrations.helpers import certificate_for, client_for, make_device, post, text_of

FORM = {"name": "电子血压计", "model_spec": "BP-100", "structure": "主机、袖带",
        "intended_use": "用于测量成人血压", "device_class": "2", "category_code": "07"}


def _devices() -> int:
    return db.session.scalar(select(func.count()).select_from(Device))


def _create(app, **changes):  # type: ignore[no-untyped-def]
    client = client_for(app, "holder")
    return post(client, "/devices/new", {**FORM, **changes}, token_from="/devices/new")


@pytest.mark.parametrize(("device_class", "reason"), [
    ("1", "filed (备案) with the city-level medical products administration"),
    ("3", "registered by the National Medical Products Administration (NMPA)"),
], ids=["class-I", "class-III"])
def test_create_device_of_other_class_is_refused_with_where_it_belongs(app, demo, device_class,
                                                                       reason):
    response = _create(app, device_class=device_class)
    assert response.status_code == 200
    page = text_of(response)
    assert reason in page
    assert "用于测量成人血压" in page
    assert _devices() == 0


@pytest.mark.parametrize(("device_class", "word"), [("1", "city-level"), ("3", "NMPA")])
def test_create_device_of_other_class_through_service_is_refused(app, demo, device_class, word):
    data = svc.DeviceData(**{**FORM, "device_class": device_class, "is_ivd_reagent": False})
    with force_locale("en"), pytest.raises(DomainError) as refused:
        svc.create_device(data, holder_org_id=demo.user("holder").organisation_id)
    assert word in refused.value.message
    with force_locale("zh_CN"), pytest.raises(DomainError) as refused:
        svc.create_device(data, holder_org_id=demo.user("holder").organisation_id)
    assert ("市级" if word == "city-level" else "国家药品监督管理局") in refused.value.message


@pytest.mark.parametrize(("category", "ivd"), [("07", True), ("40", False)],
                         ids=["reagent-flag-with-subcategory", "code-40-without-reagent-flag"])
def test_create_device_with_inconsistent_ivd_flag_is_refused(app, demo, category, ivd):
    changes = {"category_code": category, **({"is_ivd_reagent": "y"} if ivd else {})}
    response = _create(app, **changes)
    assert "IVD reagents use the numbering code 40" in text_of(response)
    assert _devices() == 0


@pytest.mark.parametrize(("category", "ivd"), [("40", True), ("22", False)],
                         ids=["ivd-reagent", "ivd-instrument"])
def test_create_device_with_consistent_ivd_flag_is_saved(app, demo, category, ivd):
    changes = {"category_code": category, **({"is_ivd_reagent": "y"} if ivd else {})}
    response = _create(app, **changes)
    assert response.status_code == 302
    device = db.session.scalar(select(Device))
    assert (device.category_code, device.is_ivd_reagent) == (category, ivd)
    assert device.holder_org_id == demo.user("holder").organisation_id


def test_edit_device_without_certificate_is_saved(app, demo):
    device = make_device(demo)
    db.session.commit()
    path = f"/devices/{device.id}"
    response = post(client_for(app, "holder"), path, {**FORM, "name": "新名称"}, token_from=path)
    assert response.status_code == 302
    db.session.refresh(device)
    assert device.name == "新名称"


def test_edit_device_with_certificate_is_refused_and_unchanged(app, demo):
    certificate = certificate_for(demo)
    device = certificate.device
    path = f"/devices/{device.id}"
    response = post(client_for(app, "holder"), path, {**FORM, "name": "改名血压计"},
                    token_from=path)
    assert response.status_code == 200
    assert "This device has a certificate" in text_of(response)
    db.session.refresh(device)
    assert device.name == "电子血压计"
    assert certificate.device_name == "电子血压计"
    data = svc.DeviceData(**{**FORM, "name": "改名", "is_ivd_reagent": False})
    with pytest.raises(DomainError):
        svc.update_device(device, data)


def test_device_of_another_holder_is_404_and_devices_are_for_holders_only(app, demo):
    device = make_device(demo)
    db.session.commit()
    assert client_for(app, "holder.bj").get(f"/devices/{device.id}").status_code == 404
    assert client_for(app, "reviewer").get("/devices").status_code == 403
    assert client_for(app, "reviewer").get(f"/devices/{device.id}").status_code == 404
    response = post(client_for(app, "holder.bj"), f"/devices/{device.id}",
                    {**FORM, "name": "偷改"}, token_from="/devices")
    assert response.status_code == 404
    db.session.refresh(device)
    assert device.name == "电子血压计"
