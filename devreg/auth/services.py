"""Sign-in, lockout and account management: the only code that writes User rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import func, select

from devreg.audit.services import label_next_change
from devreg.auth.models import User
from devreg.auth.passwords import hash_password, password_problems, verify_password
from devreg.auth.roles import Role
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.models import Organisation


# Verifying against a real hash for unknown emails keeps response times alike, so the login form
# does not reveal which addresses have accounts.
@cache
def _dummy_hash() -> str:
    """Made on first use, not at import: hashing costs most of a second at start-up."""
    return hash_password("devreg-timing-equaliser")


class SignInRefused(DomainError):
    pass


class WrongCurrentPassword(DomainError):
    """The password the user re-entered to confirm a change is not theirs."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """Return the user, or raise SignInRefused with the reason the user may know."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(_dummy_hash(), password)
        raise SignInRefused(_("Email or password is not correct."))
    now = utcnow()
    if user.is_locked(now):
        raise SignInRefused(
            _("This account is locked after too many failed sign-in attempts. Try again after "
              "%(time)s (Beijing time) or ask an administrator to unlock it.",
              time=_beijing_time(user.locked_until)))
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            minutes = current_app.config["LOGIN_LOCK_MINUTES"]
            user.locked_until = now + timedelta(minutes=minutes)
            user.failed_logins = 0
            label_next_change(user, "lock")
            raise SignInRefused(
                _("Too many failed attempts: this account is locked for %(minutes)d minutes.",
                  minutes=minutes))
        raise SignInRefused(_("Email or password is not correct."))
    if not user.is_active:
        raise SignInRefused(_("This account is deactivated. Ask an administrator."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def _beijing_time(value) -> str:  # type: ignore[no-untyped-def]
    from flask_babel import format_datetime

    return format_datetime(value, "yyyy-MM-dd HH:mm")


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to this user so far."""
    user.session_version += 1


def check_password_policy(password: str, email: str) -> list[str]:
    messages = {
        "too_short": _("Use at least 10 characters."),
        "is_email": _("The password must not be your email address."),
        "common": _("This password is too common; choose another."),
    }
    return [messages[p] for p in password_problems(password, email)]


def change_password(user: User, *, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise WrongCurrentPassword(_("Your current password is not correct."))
    problems = check_password_policy(new, user.email)
    if problems:
        raise DomainError(_("The new password is not acceptable."), details=problems)
    user.password_hash = hash_password(new)
    label_next_change(user, "change_password")
    end_sessions(user)


@dataclass(frozen=True)
class UserData:
    email: str
    display_name: str
    role: Role
    organisation_id: int | None
    has_accept_duty: bool = False
    has_review_duty: bool = False
    has_approve_duty: bool = False


def _check_role_fits_organisation(data: UserData) -> None:
    if data.role == Role.ADMIN:
        return
    org = db.session.get(Organisation, data.organisation_id) if data.organisation_id else None
    if org is None:
        raise DomainError(_("Choose the user's organisation."))
    fits = {
        Role.HOLDER: org.is_holder,
        Role.MANUFACTURER: org.is_manufacturer,
        Role.REVIEWER: org.is_regulator,
    }[data.role]
    if not fits:
        raise DomainError(_("This role does not fit the organisation: holders belong to a "
                            "registration holder, manufacturers to a manufacturer, reviewers "
                            "to a regulator."))


def create_user(data: UserData, *, password: str) -> User:
    if find_user_by_email(data.email) is not None:
        raise DomainError(_("An account with this email already exists."))
    _check_role_fits_organisation(data)
    problems = check_password_policy(password, data.email)
    if problems:
        raise DomainError(_("The password is not acceptable."), details=problems)
    user = User(password_hash=hash_password(password), **_user_columns(data))
    user.email = data.email.lower()
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: UserData) -> None:
    other = find_user_by_email(data.email)
    if other is not None and other.id != user.id:
        raise DomainError(_("An account with this email already exists."))
    _check_role_fits_organisation(data)
    for key, value in _user_columns(data).items():
        setattr(user, key, value)
    user.email = data.email.lower()


def _user_columns(data: UserData) -> dict:  # type: ignore[type-arg]
    reviewer = data.role == Role.REVIEWER
    return {
        "email": data.email,
        "display_name": data.display_name,
        "role": data.role.value,
        "organisation_id": data.organisation_id,
        "has_accept_duty": reviewer and data.has_accept_duty,
        "has_review_duty": reviewer and data.has_review_duty,
        "has_approve_duty": reviewer and data.has_approve_duty,
    }


def set_active(user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise DomainError(_("You cannot deactivate your own account."))
    user.is_active = active
    if not active:
        end_sessions(user)
    label_next_change(user, "activate" if active else "deactivate")


def unlock(user: User) -> None:
    user.locked_until = None
    user.failed_logins = 0
    label_next_change(user, "unlock")


def reset_password(user: User, *, new_password: str) -> None:
    problems = check_password_policy(new_password, user.email)
    if problems:
        raise DomainError(_("The password is not acceptable."), details=problems)
    user.password_hash = hash_password(new_password)
    user.locked_until = None
    user.failed_logins = 0
    end_sessions(user)
    label_next_change(user, "reset_password")
