"""The administrator's account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from devreg.audit.models import AuditEvent
from devreg.auth.models import User
from devreg.auth.passwords import verify_password
from devreg.auth.services import find_user_by_email
from devreg.extensions import db
from tests.conftest import login, post
from tests.foundation.helpers import DEMO_PASSWORD, STRONG_PASSWORD, count, text_of

NEW = "/admin/users/new"
MISFIT = "This role does not fit the organisation"


def user_form(demo, **changes):  # type: ignore[no-untyped-def]
    return {"email": "New.Holder@Example.com", "display_name": "新用户 New User",
            "role": "holder", "organisation_id": str(demo.org("holder_hebei").id),
            "password": STRONG_PASSWORD, **changes}


def create(client, data):  # type: ignore[no-untyped-def]
    return post(client, NEW, data, token_from=NEW)


def flashed_after(client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302
    return text_of(client.get(response.location))


def test_create_user_via_form_saves_account_that_can_sign_in(app, login_as, demo):
    client = login_as("admin")
    response = create(client, user_form(demo))
    user = find_user_by_email("new.holder@example.com")
    assert user is not None
    assert urlsplit(response.location).path == f"/admin/users/{user.id}"
    assert "Account new.holder@example.com created." in flashed_after(client, response)
    assert user.email == "new.holder@example.com"  # stored lower-case
    assert (user.role, user.organisation_id) == ("holder", demo.org("holder_hebei").id)
    assert user.display_name == "新用户 New User"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id))
    assert event.action == "create"
    assert event.actor_email == "admin@demo.devreg"
    assert "password_hash" not in event.after
    login(app.test_client(), "new.holder@example.com", STRONG_PASSWORD)


def test_create_reviewer_with_duties_saves_duties(login_as, demo):
    client = login_as("admin")
    response = create(client, user_form(demo, email="rev2@example.com", role="reviewer",
                                        organisation_id=str(demo.org("reg_jiangsu").id),
                                        has_review_duty="y", has_approve_duty="y"))
    assert response.status_code == 302
    user = find_user_by_email("rev2@example.com")
    assert (user.has_accept_duty, user.has_review_duty, user.has_approve_duty) == (
        False, True, True)
    assert user.jurisdiction == "32"


@pytest.mark.parametrize(("role", "org_key"), [
    ("reviewer", "holder_hebei"),      # a reviewer must belong to a regulator
    ("holder", "reg_hebei"),           # a holder to a registration holder
    ("holder", "maker_jiangsu"),       # ... not to a manufacturer only
    ("manufacturer", "holder_hebei"),  # a manufacturer to a manufacturer
    ("reviewer", "maker_jiangsu"),
])
def test_create_user_role_not_fitting_org_is_refused_and_nothing_saved(login_as, demo, role,
                                                                       org_key):
    client = login_as("admin")
    users = count(User)
    response = create(client, user_form(demo, role=role,
                                        organisation_id=str(demo.org(org_key).id)))
    assert response.status_code == 200
    assert MISFIT in text_of(response)
    assert count(User) == users
    assert find_user_by_email("new.holder@example.com") is None


def test_create_non_admin_without_org_is_refused(login_as, demo):
    client = login_as("admin")
    users = count(User)
    response = create(client, user_form(demo, organisation_id="0"))
    assert response.status_code == 200
    assert "Choose the user's organisation." in text_of(response)
    assert count(User) == users


def test_create_user_invalid_email_shows_message_and_keeps_values(login_as, demo):
    client = login_as("admin")
    users = count(User)
    response = create(client, user_form(demo, email="not-an-email"))
    assert response.status_code == 200
    page = text_of(response)
    assert "Enter a valid email address." in page
    assert 'value="not-an-email"' in page
    assert 'value="新用户 New User"' in page
    assert f'<option selected value="{demo.org("holder_hebei").id}">' in page
    assert count(User) == users


@pytest.mark.parametrize(("password", "message"), [
    ("short-pw1", "Use at least 10 characters."),
    ("welcome123", "This password is too common; choose another."),
    ("new.holder@example.com", "The password must not be your email address."),
])
def test_create_user_weak_password_shows_message_and_keeps_values(login_as, demo, password,
                                                                  message):
    client = login_as("admin")
    users = count(User)
    response = create(client, user_form(demo, password=password))
    assert response.status_code == 200
    page = text_of(response)
    assert "The password is not acceptable." in page
    assert message in page
    assert 'value="New.Holder@Example.com"' in page
    assert 'value="新用户 New User"' in page
    assert count(User) == users


def test_create_user_duplicate_email_is_refused(login_as, demo):
    client = login_as("admin")
    users = count(User)
    response = create(client, user_form(demo, email="HOLDER@demo.devreg"))
    assert response.status_code == 200
    assert "An account with this email already exists." in text_of(response)
    assert count(User) == users


def test_deactivate_user_ends_sessions_and_blocks_sign_in(app, login_as, demo):
    holder_browser = app.test_client()
    login(holder_browser, "holder")
    assert holder_browser.get("/home").status_code == 200

    admin = login_as("admin")
    holder = demo.user("holder")
    response = post(admin, f"/admin/users/{holder.id}/deactivate")
    assert "Account deactivated; its sessions are ended." in flashed_after(admin, response)
    holder = demo.user("holder")
    assert not holder.is_active
    assert holder.session_version == 2

    answer = holder_browser.get("/home")
    assert answer.status_code == 302
    assert urlsplit(answer.location).path == "/login"
    refused = post(app.test_client(), "/login", {"email": "holder@demo.devreg",
                                                 "password": DEMO_PASSWORD})
    assert "This account is deactivated" in text_of(refused)
    assert "Deactivated" in text_of(admin.get("/admin/users"))
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == holder.id)))
    assert actions[-1] == "deactivate"


def test_activate_user_lets_them_sign_in_again(app, login_as, demo):
    admin = login_as("admin")
    holder_id = demo.user("holder").id
    post(admin, f"/admin/users/{holder_id}/deactivate")
    response = post(admin, f"/admin/users/{holder_id}/activate")
    assert "Account activated." in flashed_after(admin, response)
    assert demo.user("holder").is_active
    login(app.test_client(), "holder")


def test_deactivate_own_account_is_refused(login_as, demo):
    admin = login_as("admin")
    admin_id = demo.user("admin").id
    response = post(admin, f"/admin/users/{admin_id}/deactivate")
    assert "You cannot deactivate your own account." in flashed_after(admin, response)
    assert demo.user("admin").is_active
    assert admin.get("/home").status_code == 200


def test_reset_password_sets_new_password_and_ends_sessions(app, login_as, demo):
    holder_browser = app.test_client()
    login(holder_browser, "holder")
    admin = login_as("admin")
    holder_id = demo.user("holder").id
    response = post(admin, f"/admin/users/{holder_id}/reset-password",
                    {"new_password": STRONG_PASSWORD})
    assert "Password reset; the user's sessions are ended." in flashed_after(admin, response)
    holder = demo.user("holder")
    assert verify_password(holder.password_hash, STRONG_PASSWORD)
    assert holder_browser.get("/home").status_code == 302
    refused = post(app.test_client(), "/login", {"email": "holder@demo.devreg",
                                                 "password": DEMO_PASSWORD})
    assert refused.status_code == 200
    login(app.test_client(), "holder", STRONG_PASSWORD)


def test_reset_password_weak_is_refused_with_message(login_as, demo):
    admin = login_as("admin")
    holder_id = demo.user("holder").id
    response = post(admin, f"/admin/users/{holder_id}/reset-password",
                    {"new_password": "short"})
    page = flashed_after(admin, response)
    assert "The password is not acceptable." in page
    assert "Use at least 10 characters." in page
    assert verify_password(demo.user("holder").password_hash, DEMO_PASSWORD)


def test_reset_password_clears_lock(app, login_as, demo):
    for _attempt in range(5):
        post(app.test_client(), "/login", {"email": "holder@demo.devreg",
                                           "password": "wrong-password"})
    assert demo.user("holder").is_locked()
    admin = login_as("admin")
    post(admin, f"/admin/users/{demo.user('holder').id}/reset-password",
         {"new_password": STRONG_PASSWORD})
    assert not demo.user("holder").is_locked()
    login(app.test_client(), "holder", STRONG_PASSWORD)


def test_edit_user_changes_role_and_records_update(login_as, demo):
    admin = login_as("admin")
    reviewer = demo.user("reviewer")
    path = f"/admin/users/{reviewer.id}"
    response = post(admin, path, {"email": reviewer.email, "display_name": "刘洋 Liu Yang",
                                  "role": "reviewer",
                                  "organisation_id": str(reviewer.organisation_id),
                                  "has_accept_duty": "y"}, token_from=path)
    assert "Account saved." in flashed_after(admin, response)
    reviewer = demo.user("reviewer")
    assert (reviewer.has_accept_duty, reviewer.has_review_duty) == (True, False)
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == reviewer.id)
        .order_by(AuditEvent.id.desc())).first()
    assert event.action == "update"
    assert event.before == {"has_review_duty": True}
    assert event.after == {"has_review_duty": False}


def test_edit_user_to_misfitting_org_is_refused(login_as, demo):
    admin = login_as("admin")
    reviewer = demo.user("reviewer")
    path = f"/admin/users/{reviewer.id}"
    response = post(admin, path, {"email": reviewer.email, "display_name": reviewer.display_name,
                                  "role": "reviewer",
                                  "organisation_id": str(demo.org("holder_hebei").id)},
                    token_from=path)
    assert response.status_code == 200
    assert MISFIT in text_of(response)
    assert demo.user("reviewer").organisation_id == demo.org("reg_hebei").id
