"""Bad input in the web forms: the form comes back with the message and what was typed, and
nothing is half-saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations.models import Application, Device
from devreg.signatures.models import Signature
from tests.registrations.helpers import (
    PASSWORD,
    K,
    S,
    app_path,
    application_in,
    certificate_for,
    client_for,
    form_on,
    make_device,
    post,
    submit_form,
    text_of,
)

DEVICE = {"name": "电子血压计", "model_spec": "BP-777 型", "structure": "主机、袖带",
          "intended_use": "用于测量成人血压", "device_class": "2", "category_code": "07"}


def _count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


# --- devices ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "This field is required."),
    ("intended_use", "", "This field is required."),
    ("name", "器" * 201, "200"),
    ("model_spec", "型" * 5001, "5000"),
], ids=["empty-name", "empty-intended-use", "long-name", "long-model-spec"])
def test_device_form_with_bad_input_rerenders_with_message_keeping_input(app, demo, field,
                                                                         value, message):
    client = client_for(app, "holder")
    data = {**DEVICE, field: value}
    response = post(client, "/devices/new", data, token_from="/devices/new")
    assert response.status_code == 200
    page = text_of(response)
    assert message in page
    assert "is-invalid" in page
    for key in ("model_spec", "structure", "intended_use"):
        if key != field:
            assert DEVICE[key] in page
    assert _count(Device) == 0


# --- the initial application ------------------------------------------------------------------

@pytest.mark.parametrize(("value", "message"), [
    ("", "This field is required."),
    ("河北省石家庄市" * 300, "2000"),
], ids=["empty", "too-long"])
def test_application_form_with_bad_address_rerenders_with_message_keeping_input(app, demo,
                                                                                value, message):
    device = make_device(demo)
    db.session.commit()
    client = client_for(app, "holder")
    path = f"/devices/{device.id}"
    response = post(client, f"{path}/apply", {"production_address": value}, token_from=path)
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert form_on(page, f"{path}/apply")["production_address"] == [value]
    assert _count(Application) == 0


# --- certificate applications ------------------------------------------------------------------

def test_certificate_application_without_description_rerenders_keeping_new_values(app, demo):
    certificate = certificate_for(demo, approved_on=china_today())
    client = client_for(app, "holder")
    path = f"/certificates/{certificate.id}/apply/change"
    response = submit_form(client, path, path, {"change_description": "",
                                                "model_spec": "BP-100, BP-900"})
    assert response.status_code == 200
    page = text_of(response)
    assert "This field is required." in page
    assert "BP-100, BP-900" in page
    assert _count(Application) == 1  # only the initial application of the certificate


def test_certificate_application_with_too_long_value_rerenders(app, demo):
    certificate = certificate_for(demo, approved_on=china_today())
    client = client_for(app, "holder")
    path = f"/certificates/{certificate.id}/apply/change_filing"
    response = submit_form(client, path, path, {"change_description": "更名",
                                                "holder_name": "名" * 201})
    assert response.status_code == 200
    assert "200" in text_of(response)
    assert "更名" in text_of(response)
    assert _count(Application) == 1


def test_certificate_application_without_any_new_value_rerenders_with_reason(app, demo):
    certificate = certificate_for(demo, approved_on=china_today())
    client = client_for(app, "holder")
    path = f"/certificates/{certificate.id}/apply/change"
    response = submit_form(client, path, path, {"change_description": "描述已填写"})
    assert response.status_code == 200
    page = text_of(response)
    # Order 47 Art 79 ¶2: a printed item or a substantive change
    assert "Enter at least one new value or describe a substantive change." in page
    assert "描述已填写" in page
    assert _count(Application) == 1


# --- action forms on the application page ------------------------------------------------------

@pytest.mark.parametrize(("state", "action", "values", "message"), [
    (S.SUBMITTED, "review/applications/{id}/correction",
     {"items": "", "signature_password": PASSWORD}, "This field is required."),
    (S.SUBMITTED, "review/applications/{id}/refuse-acceptance",
     {"reasons": "", "signature_password": PASSWORD}, "This field is required."),
    (S.IN_REVIEW, "review/applications/{id}/supplement",
     {"items": "条" * 20001, "signature_password": PASSWORD}, "20000"),
    (S.SUPPLEMENT_REQUESTED, "applications/{id}/supplement-answer",
     {"answer": "", "signature_password": PASSWORD}, "This field is required."),
], ids=["empty-correction", "empty-refusal-reasons", "long-supplement", "empty-answer"])
def test_action_form_with_bad_input_rerenders_and_changes_nothing(app, demo, state, action,
                                                                  values, message):
    application = application_in(demo, K.INITIAL, state)
    email = "holder" if action.startswith("applications") else "reviewer"
    client = client_for(app, email)
    before = (application.state, application.version, _count(Signature))
    response = submit_form(client, app_path(application), "/" + action.format(id=application.id),
                           values)
    assert response.status_code == 400
    assert message in text_of(response)
    db.session.refresh(application)
    assert (application.state, application.version, _count(Signature)) == before


def test_opinion_with_too_long_text_keeps_what_was_typed(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW)
    from tests.registrations.helpers import perform

    perform("qms", application, demo.user("reviewer"))
    db.session.commit()
    text = "意" * 20001
    response = submit_form(client_for(app, "reviewer"), app_path(application),
                           f"/review/applications/{application.id}/opinion",
                           {"recommendation": "refuse", "text": text,
                            "signature_password": PASSWORD})
    assert response.status_code == 400
    typed = form_on(text_of(response), f"/review/applications/{application.id}/opinion")
    assert typed["text"] == [text]
    assert typed["recommendation"] == ["refuse"]
    db.session.refresh(application)
    assert application.state == S.IN_REVIEW
    assert application.opinion is None


def test_refusal_without_reasons_is_refused_with_message_and_changes_nothing(app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE)
    response = submit_form(client_for(app, "approver"), app_path(application),
                           f"/review/applications/{application.id}/decide",
                           {"decision": "refuse", "reasons": "", "signature_password": PASSWORD})
    assert response.status_code == 422
    assert "State the reasons for refusal." in text_of(response)
    db.session.refresh(application)
    assert application.state == S.REVIEW_DONE
    assert application.decided_by_id is None


def test_accept_with_wrong_password_signs_nothing_and_uses_no_number(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    client = client_for(app, "reviewer")
    action = f"/review/applications/{application.id}/accept"
    response = submit_form(client, app_path(application), action,
                           {"signature_password": "wrong-password"})
    assert response.status_code == 422
    assert "The password is not correct. Nothing was signed." in text_of(response)
    db.session.refresh(application)
    assert application.state == S.SUBMITTED
    assert application.acceptance_number is None
    response = submit_form(client, app_path(application), action,
                           {"signature_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.acceptance_number == f"冀械受{application.accepted_on.year}00001"


def test_submit_without_declaration_rerenders_with_message(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT)
    response = submit_form(client_for(app, "holder"), app_path(application),
                           f"{app_path(application)}/submit",
                           {"signature_password": PASSWORD})
    assert response.status_code == 422
    assert "Confirm the declaration" in text_of(response)
    db.session.refresh(application)
    assert application.state == S.DRAFT
    assert application.received_on is None
