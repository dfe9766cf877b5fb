"""Changing one's own password at /account/password."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from devreg.audit.models import AuditEvent
from devreg.auth.passwords import verify_password
from tests.conftest import login, post
from tests.foundation.helpers import (
    DEMO_PASSWORD,
    STRONG_PASSWORD,
    replay,
    session_cookie,
    text_of,
)

PATH = "/account/password"
INVALID_INPUT_RE = re.compile(r'<input class="[^"]*\bis-invalid\b[^"]*"[^>]*\bname="([^"]+)"')


def change(client, current, new, confirm=None):  # type: ignore[no-untyped-def]
    return post(client, PATH, {"current_password": current, "new_password": new,
                               "confirm_password": new if confirm is None else confirm},
                token_from=PATH)


def assert_form_rerendered(response) -> None:  # type: ignore[no-untyped-def]
    page = response.get_data(as_text=True)
    for name in ("current_password", "new_password", "confirm_password"):
        assert f'name="{name}"' in page, name


def test_change_password_anonymous_redirects_to_login(client, demo):
    response = client.get(PATH)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


def invalid_fields(response) -> set[str]:  # type: ignore[no-untyped-def]
    """Names of the inputs the page marks as invalid."""
    return set(INVALID_INPUT_RE.findall(response.get_data(as_text=True)))


def test_change_password_wrong_current_is_refused_with_message(client, demo):
    login(client, "holder")
    response = change(client, "not-my-password", STRONG_PASSWORD)
    assert response.status_code == 200
    assert "Your current password is not correct." in text_of(response)
    assert_form_rerendered(response)
    # the message belongs to the field that is wrong
    assert invalid_fields(response) == {"current_password"}
    user = demo.user("holder")
    assert verify_password(user.password_hash, DEMO_PASSWORD)
    assert user.session_version == 1


@pytest.mark.parametrize(("new", "message"), [
    ("short-pw1", "Use at least 10 characters."),
    ("holder@demo.devreg", "The password must not be your email address."),
    ("HOLDER@demo.devreg", "The password must not be your email address."),
    ("welcome123", "This password is too common; choose another."),
    ("Password123", "This password is too common; choose another."),
])
def test_change_password_against_policy_is_refused_with_message(client, demo, new, message):
    login(client, "holder")
    response = change(client, DEMO_PASSWORD, new)
    assert response.status_code == 200
    page = text_of(response)
    assert "The new password is not acceptable." in page
    assert message in page
    assert_form_rerendered(response)
    assert invalid_fields(response) == {"new_password"}
    user = demo.user("holder")
    assert verify_password(user.password_hash, DEMO_PASSWORD)
    assert not verify_password(user.password_hash, new)


def test_change_password_confirmation_differs_is_refused(client, demo):
    login(client, "holder")
    response = change(client, DEMO_PASSWORD, STRONG_PASSWORD, confirm=STRONG_PASSWORD + "x")
    assert response.status_code == 200
    assert "The two passwords differ." in text_of(response)
    assert verify_password(demo.user("holder").password_hash, DEMO_PASSWORD)


def test_change_password_success_signs_out_other_sessions(app, client, demo):
    login(client, "holder")
    other_browser = app.test_client()
    login(other_browser, "holder")
    old_cookie = session_cookie(client)

    response = change(client, DEMO_PASSWORD, STRONG_PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/home"
    home = client.get("/home")
    assert home.status_code == 200  # this browser stays signed in
    assert "Your password is changed. Other sessions were signed out." in text_of(home)

    for stale in (other_browser, replay(app, old_cookie)):
        answer = stale.get("/home")
        assert answer.status_code == 302
        assert urlsplit(answer.location).path == "/login"

    user = demo.user("holder")
    assert verify_password(user.password_hash, STRONG_PASSWORD)
    assert user.session_version == 2
    event = app.extensions["sqlalchemy"].session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id,
        AuditEvent.action == "change_password"))
    assert event is not None
    assert event.actor_email == "holder@demo.devreg"
    assert "password_hash" not in (event.after or {})

    fresh = app.test_client()
    refused = post(fresh, "/login", {"email": "holder@demo.devreg", "password": DEMO_PASSWORD})
    assert refused.status_code == 200
    login(fresh, "holder", STRONG_PASSWORD)
