"""`flask create-admin`."""

from __future__ import annotations

from sqlalchemy import select

from devreg.audit.models import AuditEvent
from devreg.auth.models import User
from devreg.auth.services import find_user_by_email
from devreg.extensions import db
from tests.conftest import login
from tests.foundation.helpers import STRONG_PASSWORD, count


def create_admin(app, *options):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["create-admin", *options])


def test_create_admin_with_options_creates_admin_who_can_sign_in(app, client):
    result = create_admin(app, "--email", "Boss@Example.com", "--name", "总管 Boss",
                          "--password", STRONG_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Administrator Boss@Example.com created." in result.output
    user = find_user_by_email("boss@example.com")
    assert user is not None
    assert (user.email, user.role, user.organisation_id, user.display_name) == (
        "boss@example.com", "admin", None, "总管 Boss")
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == user.id))
    assert event.action == "create"
    assert event.actor_email == "create-admin"
    login(client, "boss@example.com", STRONG_PASSWORD)
    assert client.get("/admin/users").status_code == 200


def test_create_admin_with_prompts_creates_admin(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin"],
        input=f"prompted@example.com\nPrompted Admin\n{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert find_user_by_email("prompted@example.com").role == "admin"


def test_create_admin_weak_password_is_refused(app):
    result = create_admin(app, "--email", "weak@example.com", "--name", "Weak",
                          "--password", "short")
    assert result.exit_code != 0
    assert "The password is not acceptable." in result.output
    assert "Use at least 10 characters." in result.output
    assert count(User) == 0


def test_create_admin_existing_email_is_refused(app, demo):
    users = count(User)
    result = create_admin(app, "--email", "admin@demo.devreg", "--name", "Again",
                          "--password", STRONG_PASSWORD)
    assert result.exit_code != 0
    assert "An account with this email already exists." in result.output
    assert count(User) == users
