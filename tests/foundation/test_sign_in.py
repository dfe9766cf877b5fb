"""Sign-in, lockout, sign-out and the session cookie."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from devreg.audit.models import AuditEvent
from devreg.auth.models import User
from devreg.db import utcnow
from devreg.extensions import db
from tests.conftest import CSRF_RE, login, post
from tests.foundation.helpers import (
    DEMO_PASSWORD,
    dispose,
    make_app,
    replay,
    session_cookie,
    text_of,
)

# one answer for a wrong password, an unknown email and a locked account: it does not tell
# whether the account exists
WRONG = ("Email or password is not correct, or the account is locked after 5 failed attempts "
         "(for 15 minutes; an administrator can unlock it sooner).")
LOCKED_NOW = STILL_LOCKED = WRONG
DEACTIVATED = "This account is deactivated. Ask an administrator."


def sign_in(client, email, password=DEMO_PASSWORD):  # type: ignore[no-untyped-def]
    return post(client, "/login", {"email": email, "password": password})


def is_signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    response = client.get("/home")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def set_locked_until(email: str, value) -> None:  # type: ignore[no-untyped-def]
    db.session.execute(update(User).where(User.email == email).values(locked_until=value))
    db.session.commit()


def test_login_with_right_password_redirects_home(client, demo):
    response = sign_in(client, "holder@demo.devreg")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/home"
    home = client.get("/home")
    assert home.status_code == 200
    assert "张伟 Zhang Wei" in home.get_data(as_text=True)
    user = demo.user("holder")
    assert user.last_login_at is not None
    assert abs(utcnow() - user.last_login_at) < timedelta(minutes=1)


def test_login_with_uppercase_email_signs_in(client, demo):
    response = sign_in(client, "  HOLDER@Demo.Devreg ")
    assert response.status_code == 302
    assert is_signed_in(client)


def test_login_with_wrong_password_shows_message_and_counts_failure(client, demo):
    response = sign_in(client, "holder@demo.devreg", "not-the-password")
    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert 'value="holder@demo.devreg"' in response.get_data(as_text=True)
    assert demo.user("holder").failed_logins == 1
    assert not is_signed_in(client)


def test_login_with_unknown_email_shows_same_message(client, demo):
    response = sign_in(client, "nobody@demo.devreg", "whatever-password")
    assert response.status_code == 200
    assert WRONG in text_of(response)
    assert not is_signed_in(client)


def test_login_with_empty_fields_shows_required_messages(client, demo):
    response = post(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 200
    assert text_of(response).count("This field is required.") == 2
    assert not is_signed_in(client)


def test_login_five_failures_locks_account_even_for_right_password(client, demo):
    for _attempt in range(4):
        response = sign_in(client, "holder@demo.devreg", "wrong-password")
        assert WRONG in text_of(response)
    response = sign_in(client, "holder@demo.devreg", "wrong-password")
    assert response.status_code == 200
    assert LOCKED_NOW in text_of(response)

    user = demo.user("holder")
    assert user.is_locked()
    remaining = user.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)

    response = sign_in(client, "holder@demo.devreg", DEMO_PASSWORD)
    assert response.status_code == 200
    assert STILL_LOCKED in text_of(response)
    assert not is_signed_in(client)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id,
        AuditEvent.action == "lock")) is not None


def test_login_failures_below_limit_do_not_lock(client, demo):
    for _attempt in range(4):
        sign_in(client, "holder@demo.devreg", "wrong-password")
    assert not demo.user("holder").is_locked()
    assert sign_in(client, "holder@demo.devreg").status_code == 302
    assert demo.user("holder").failed_logins == 0


def test_unlock_by_admin_lets_locked_user_sign_in(app, client, demo):
    for _attempt in range(5):
        sign_in(client, "holder@demo.devreg", "wrong-password")
    holder = demo.user("holder")
    assert holder.is_locked()

    admin = app.test_client()
    login(admin, "admin")
    detail = admin.get(f"/admin/users/{holder.id}")
    assert "Unlock" in detail.get_data(as_text=True)
    response = post(admin, f"/admin/users/{holder.id}/unlock")
    assert response.status_code == 302
    assert "Account unlocked." in text_of(admin.get(response.location))

    holder = demo.user("holder")
    assert holder.locked_until is None
    assert not holder.is_locked()
    unlock_event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == holder.id,
        AuditEvent.action == "unlock"))
    assert unlock_event is not None
    assert unlock_event.actor_email == "admin@demo.devreg"
    assert sign_in(client, "holder@demo.devreg").status_code == 302
    assert is_signed_in(client)


def test_unlock_by_non_admin_is_forbidden(app, client, demo):
    set_locked_until("holder@demo.devreg", utcnow() + timedelta(minutes=15))
    login(client, "reviewer")
    response = post(client, f"/admin/users/{demo.user('holder').id}/unlock")
    assert response.status_code == 403
    assert demo.user("holder").is_locked()


def test_login_after_lock_expired_signs_in(client, demo):
    for _attempt in range(5):
        sign_in(client, "holder@demo.devreg", "wrong-password")
    set_locked_until("holder@demo.devreg", utcnow() + timedelta(minutes=1))
    assert STILL_LOCKED in text_of(sign_in(client, "holder@demo.devreg"))

    set_locked_until("holder@demo.devreg", utcnow() - timedelta(seconds=1))
    response = sign_in(client, "holder@demo.devreg")
    assert response.status_code == 302
    assert is_signed_in(client)
    assert demo.user("holder").locked_until is None


def test_login_deactivated_account_is_refused(client, demo):
    db.session.execute(update(User).where(User.email == "holder@demo.devreg")
                       .values(is_active=False))
    db.session.commit()
    response = sign_in(client, "holder@demo.devreg")
    assert response.status_code == 200
    assert DEACTIVATED in text_of(response)
    assert not is_signed_in(client)


def test_logout_ends_session_and_old_cookie_replay_fails(app, client, demo):
    login(client, "holder")
    old_cookie = session_cookie(client)
    assert replay(app, old_cookie).get("/home").status_code == 200  # the copy works before
    version = demo.user("holder").session_version

    response = post(client, "/logout")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"
    assert "You are signed out." in text_of(client.get(response.location))
    assert not is_signed_in(client)
    assert demo.user("holder").session_version == version + 1

    replayed = replay(app, old_cookie).get("/home")
    assert replayed.status_code == 302
    assert urlsplit(replayed.location).path == "/login"


def test_logout_with_get_is_not_allowed(client, demo):
    login(client, "holder")
    assert client.get("/logout").status_code == 405
    assert is_signed_in(client)


def test_session_cookie_is_httponly_and_samesite_lax(client, demo):
    response = sign_in(client, "holder@demo.devreg")
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(cookies) == 1
    attributes = [part.strip().lower() for part in cookies[0].split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes


def test_session_cookie_with_secure_config_is_secure(app, demo):
    secure_app = make_app(app, SESSION_COOKIE_SECURE=True)
    try:
        client = secure_app.test_client()
        page = client.get("/login", base_url="https://localhost")
        cookies = [h for h in page.headers.getlist("Set-Cookie") if h.startswith("session=")]
        assert len(cookies) == 1
        attributes = [part.strip().lower() for part in cookies[0].split(";")]
        assert {"secure", "httponly", "samesite=lax"} <= set(attributes)
        assert "max-age=31536000" in page.headers["Strict-Transport-Security"]

        # over HTTPS Flask-WTF also checks the Referer, as a browser sends it
        token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
        response = client.post("/login", base_url="https://localhost",
                               headers={"Referer": "https://localhost/login"},
                               data={"csrf_token": token, "email": "holder@demo.devreg",
                                     "password": DEMO_PASSWORD})
        assert response.status_code == 302
        cookies = [h for h in response.headers.getlist("Set-Cookie")
                   if h.startswith("session=")]
        assert "secure" in [part.strip().lower() for part in cookies[0].split(";")]
    finally:
        dispose(secure_app)


def test_login_renews_session_and_clears_pre_login_data(client, demo):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "attacker-chosen"
        session["locale"] = "en"
        token_before = session["csrf_token"]
        assert "_user_id" not in session
    login(client, "holder")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != token_before
        assert session["_user_id"] == f"{demo.user('holder').id}:1"
        assert session["locale"] == "en"  # the language choice is kept on purpose


def test_login_when_already_signed_in_redirects_home(client, demo):
    login(client, "holder")
    response = client.get("/login")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/home"


@pytest.mark.parametrize("path", ["/login", "/", "/no/such/page"])
def test_get_any_page_has_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP in tests
