"""Every state-changing POST needs the session's CSRF token."""

from __future__ import annotations

import pytest

from devreg.auth.models import User
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence
from tests.conftest import csrf_token, login, post
from tests.foundation.helpers import DEMO_PASSWORD, STRONG_PASSWORD, count, make_uscc, text_of


def user_form(demo):  # type: ignore[no-untyped-def]
    return {"email": "new.holder@example.com", "display_name": "新用户 New",
            "role": "holder", "organisation_id": str(demo.org("holder_hebei").id),
            "password": STRONG_PASSWORD}


def org_form(demo):  # type: ignore[no-untyped-def]
    return {"name_zh": "厦门测试医疗有限公司", "uscc": make_uscc("91350200MA0000001"),
            "province_code": "35", "address": "福建省厦门市思明区 1 号", "is_holder": "y"}


def licence_form(demo):  # type: ignore[no-untyped-def]
    return {"number": "皖药监械生产许20230007号",  # its Anhui site (Order 53 Art 18)
            "organisation_id": str(demo.org("maker_jiangsu").id),
            "valid_until": "2030-06-30", "scope": ["07", "14"]}


ADMIN_FORMS = [
    ("/admin/users/new", User, user_form),
    ("/admin/organisations/new", Organisation, org_form),
    ("/production/licences/new", ProductionLicence, licence_form),
]


@pytest.mark.parametrize(("path", "model", "form"), ADMIN_FORMS, ids=["user", "org", "licence"])
def test_admin_create_without_csrf_token_changes_nothing_and_answers_400(
        client, demo, path, model, form):
    login(client, "admin")
    before = count(model)
    response = client.post(path, data=form(demo))
    assert response.status_code == 400
    assert "Bad request" in text_of(response)
    assert count(model) == before


@pytest.mark.parametrize(("path", "model", "form"), ADMIN_FORMS, ids=["user", "org", "licence"])
def test_admin_create_with_wrong_csrf_token_changes_nothing_and_answers_400(
        client, demo, path, model, form):
    login(client, "admin")
    before = count(model)
    response = client.post(path, data={**form(demo), "csrf_token": "forged"})
    assert response.status_code == 400
    assert count(model) == before


@pytest.mark.parametrize(("path", "model", "form"), ADMIN_FORMS, ids=["user", "org", "licence"])
def test_admin_create_with_csrf_token_same_data_is_saved(client, demo, path, model, form):
    """The control for the tests above: the very same data with the token is accepted."""
    login(client, "admin")
    before = count(model)
    response = post(client, path, form(demo), token_from=path)
    assert response.status_code == 302, text_of(response)[:3000]
    assert count(model) == before + 1


def test_login_without_csrf_token_answers_400_and_does_not_sign_in(client, demo):
    client.get("/login")
    response = client.post("/login", data={"email": "holder@demo.devreg",
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert client.get("/home").status_code == 302
    assert demo.user("holder").last_login_at is None


def test_login_token_from_another_session_answers_400(app, client, demo):
    other = app.test_client()
    token = csrf_token(other)
    client.get("/login")
    response = client.post("/login", data={"csrf_token": token, "email": "holder@demo.devreg",
                                           "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


def test_logout_without_csrf_token_answers_400_and_keeps_session(client, demo):
    login(client, "holder")
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/home").status_code == 200
    assert demo.user("holder").session_version == 1


def test_deactivate_without_csrf_token_answers_400_and_changes_nothing(client, demo):
    login(client, "admin")
    holder = demo.user("holder")
    response = client.post(f"/admin/users/{holder.id}/deactivate")
    assert response.status_code == 400
    assert demo.user("holder").is_active


def test_locale_switch_without_csrf_token_answers_400(client, demo):
    login(client, "holder")
    response = client.post("/locale/en")
    assert response.status_code == 400
    assert demo.user("holder").locale is None
