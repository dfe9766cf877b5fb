"""One lockout for sign-in and e-signatures; refusals that do not tell whether an account exists;
passwords set by an administrator replaced at the next sign-in before anything else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.auth import services as auth_services
from devreg.auth.models import User
from devreg.extensions import db
from tests.conftest import login, post
from tests.foundation.helpers import DEMO_PASSWORD, text_of
from tests.registrations.helpers import K, S, app_path, application_in, client_for, submit_form

REFUSED = ("Email or password is not correct, or the account is locked after 5 failed "
           "attempts (for 15 minutes; an administrator can unlock it sooner).")
SIGN_WRONG = "The password is not correct. Nothing was signed."
SIGN_LOCKED = "Your account is locked after too many wrong passwords. Nothing was signed"
MUST_CHANGE = "An administrator set your password. Choose your own password before you continue."


def sign_in(client, email, password=DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    return post(client, "/login", {"email": email, "password": password})


@pytest.fixture
def checks(monkeypatch):  # type: ignore[no-untyped-def]
    """The password hashes argon2 checked a candidate against, in order."""
    seen: list[str] = []
    real = auth_services.verify_password

    def counting(password_hash: str, candidate: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, candidate)

    monkeypatch.setattr(auth_services, "verify_password", counting)
    return seen


# --- the same answer, at the same cost, whether or not the account exists -----------------

def test_unknown_wrong_and_locked_get_one_answer_and_one_argon2_check_each(client, demo, checks):
    holder_hash = demo.user("holder").password_hash
    unknown = text_of(sign_in(client, "nobody@demo.devreg", "whatever-password"))
    assert len(checks) == 1 and checks[-1] != holder_hash  # the timing equaliser
    wrong = text_of(sign_in(client, "holder@demo.devreg", "whatever-password"))
    assert len(checks) == 2 and checks[-1] == holder_hash
    for _attempt in range(4):
        sign_in(client, "holder@demo.devreg", "whatever-password")
    assert demo.user("holder").is_locked()
    checks.clear()
    locked = text_of(sign_in(client, "holder@demo.devreg", DEMO_PASSWORD))
    assert len(checks) == 1 and checks[-1] != holder_hash  # not checked, but as long
    for page in (unknown, wrong, locked):
        assert REFUSED in page
        assert "locked for" not in page and "Try again after" not in page


def test_the_attempt_that_locks_gets_the_same_answer(client, demo):
    for _attempt in range(5):
        response = sign_in(client, "holder@demo.devreg", "wrong-password")
    assert REFUSED in text_of(response)
    assert demo.user("holder").is_locked()


# --- wrong passwords at the signing step count toward the same lockout ----------------------

def test_five_wrong_signing_passwords_lock_the_account(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    client = client_for(app, "reviewer")
    action = f"/review/applications/{application.id}/accept"
    for attempt in range(1, 5):
        response = submit_form(client, app_path(application), action,
                               {"signature_password": "wrong-password"})
        assert response.status_code == 422
        assert SIGN_WRONG in text_of(response)
        # the view rolled the acceptance back, not the count
        assert demo.user("reviewer").failed_logins == attempt
    response = submit_form(client, app_path(application), action,
                           {"signature_password": "wrong-password"})
    assert SIGN_LOCKED in text_of(response)
    reviewer = demo.user("reviewer")
    assert reviewer.is_locked()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == reviewer.id,
        AuditEvent.action == "lock")) == 1

    # a locked account cannot sign, not even with its password, and the page says so
    page = client.get(app_path(application))
    assert 'data-testid="signing-locked"' in page.get_data(as_text=True)
    assert "Your account is locked after too many wrong passwords" in text_of(page)
    response = submit_form(client, app_path(application), action,
                           {"signature_password": DEMO_PASSWORD})
    assert response.status_code == 422
    assert SIGN_LOCKED in text_of(response)
    db.session.refresh(application)
    assert application.state == S.SUBMITTED
    assert application.acceptance_number is None
    # and the lock is the sign-in lock
    assert REFUSED in text_of(sign_in(app.test_client(), "reviewer@demo.devreg"))


def test_a_right_signing_password_resets_the_count(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    client = client_for(app, "reviewer")
    action = f"/review/applications/{application.id}/accept"
    for _attempt in range(3):
        submit_form(client, app_path(application), action,
                    {"signature_password": "wrong-password"})
    assert demo.user("reviewer").failed_logins == 3
    response = submit_form(client, app_path(application), action,
                           {"signature_password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert demo.user("reviewer").failed_logins == 0


def test_signing_page_without_a_lock_shows_no_lock_notice(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    page = client_for(app, "reviewer").get(app_path(application)).get_data(as_text=True)
    assert 'name="signature_password"' in page
    assert 'data-testid="signing-locked"' not in page


# --- a password an administrator set is replaced before anything else -----------------------

NEW_USER = {"email": "new.holder@demo.devreg", "display_name": "新用户 New", "role": "holder",
            "password": "admin-chosen-pass-1"}


@pytest.fixture
def admin(app, demo):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "admin")
    return client


def _create_user(admin, demo) -> User:  # type: ignore[no-untyped-def]
    response = post(admin, "/admin/users/new",
                    {**NEW_USER, "organisation_id": demo.org("holder_hebei").id},
                    token_from="/admin/users/new")
    assert response.status_code == 302, text_of(response)[:1500]
    user = demo.user(NEW_USER["email"])
    assert user.must_change_password
    return user


def test_admin_created_account_must_change_password_before_anything_else(app, admin, demo):
    _create_user(admin, demo)
    client = app.test_client()
    login(client, NEW_USER["email"], NEW_USER["password"])
    for path in ("/home", "/devices", "/certificates", "/admin/users", "/arrangements"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert urlsplit(response.location).path == "/account/password", path
    page = client.get("/account/password")
    assert page.status_code == 200
    assert MUST_CHANGE in text_of(page)
    # a POST elsewhere does nothing either
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = post(client, "/devices/new", {"name": "体温计"}, token_from="/account/password")
    assert urlsplit(response.location).path == "/account/password"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    # the same password again is not a change
    response = post(client, "/account/password", {
        "current_password": NEW_USER["password"], "new_password": NEW_USER["password"],
        "confirm_password": NEW_USER["password"]}, token_from="/account/password")
    assert "Choose a password different from the current one." in text_of(response)
    assert demo.user(NEW_USER["email"]).must_change_password
    # signing out stays possible
    assert post(client, "/logout", token_from="/account/password").status_code == 302

    login(client, NEW_USER["email"], NEW_USER["password"])
    response = post(client, "/account/password", {
        "current_password": NEW_USER["password"], "new_password": "my-own-secret-pass-9",
        "confirm_password": "my-own-secret-pass-9"}, token_from="/account/password")
    assert response.status_code == 302
    assert not demo.user(NEW_USER["email"]).must_change_password
    assert client.get("/home").status_code == 200
    assert client.get("/devices").status_code == 200


def test_admin_reset_password_must_be_changed_again(app, admin, demo):
    holder = demo.user("holder")
    assert not holder.must_change_password  # demo accounts are not forced
    response = post(admin, f"/admin/users/{holder.id}/reset-password",
                    {"new_password": "admin-reset-pass-2"},
                    token_from=f"/admin/users/{holder.id}")
    assert response.status_code == 302
    assert demo.user("holder").must_change_password
    client = app.test_client()
    login(client, "holder", "admin-reset-pass-2")
    response = client.get("/home")
    assert urlsplit(response.location).path == "/account/password"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == holder.id,
        AuditEvent.action == "reset_password"))
    assert event.after == {"must_change_password": True}


def test_create_admin_command_sets_the_administrators_own_password(app, demo):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--email", "second.admin@demo.devreg", "--name", "第二管理员",
        "--password", "own-admin-pass-3"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not demo.user("second.admin@demo.devreg").must_change_password


@pytest.mark.parametrize("ending", ["rollback", "close"])
def test_a_wrong_signing_password_stays_counted_however_the_request_ends(demo, ending):
    from devreg.production.queries import find_by_number
    from devreg.signatures.services import SignatureRefused, sign
    from tests.foundation.helpers import JIANGSU_LICENCE

    approver = demo.user("approver")
    with pytest.raises(SignatureRefused):
        sign(find_by_number(JIANGSU_LICENCE), signer=approver, password="wrong-password",
             meaning="approved", content={"x": 1})
    getattr(db.session, ending)()  # the view rolls back, or the request's session is closed
    db.session.expire_all()
    assert demo.user("approver").failed_logins == 1
