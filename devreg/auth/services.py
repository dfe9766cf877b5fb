"""Sign-in, lockout and account management: the only code that writes User rows."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction, object_session
from sqlalchemy.orm.attributes import set_committed_value

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


class IdentityChangeRefused(DomainError):
    """A change of name or email that could hand the account to another person."""


class WrongCurrentPassword(DomainError):
    """The password the user re-entered to confirm a change is not theirs."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


#: the one answer to every refused sign-in: it must not tell whether the account exists, so a
#: wrong password, an unknown email and a locked account read the same
def _refusal() -> SignInRefused:
    return SignInRefused(
        _("Email or password is not correct, or the account is locked after %(count)d failed "
          "attempts (for %(minutes)d minutes; an administrator can unlock it sooner).",
          count=current_app.config["LOGIN_MAX_FAILURES"],
          minutes=current_app.config["LOGIN_LOCK_MINUTES"]))


class Attempt(enum.Enum):
    """The outcome of one password attempt against the shared lockout."""

    RIGHT = "right"
    WRONG = "wrong"
    LOCKED = "locked"  # refused before the password was checked, or locked by this attempt


def authenticate(email: str, password: str) -> User:
    """Return the user, or raise SignInRefused with the one answer every refusal gets."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(_dummy_hash(), password)  # as long as a real check takes
        raise _refusal()
    if password_attempt(user, password) is not Attempt.RIGHT:
        raise _refusal()
    if not user.is_active:
        # only who knows the password learns this
        raise SignInRefused(_("This account is deactivated. Ask an administrator."))
    user.last_login_at = utcnow()
    return user


def password_attempt(user: User, password: str) -> Attempt:
    """Check ``password`` against the lockout that sign-in and e-signatures share.

    The attempt is counted before the password is checked, by one atomic UPDATE whose RETURNING
    value comes from the database: parallel attempts each get their own number, so at most
    LOGIN_MAX_FAILURES passwords are ever checked before the lock holds, whatever the timing
    (21 CFR 11.300(d): attempts at unauthorised use are detected and limited). A locked account
    costs the same argon2 time as an unlocked one. A counted failure survives the request's
    rollback (a refused signature rolls the decision back, not the count)."""
    now = utcnow()
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    number = _count_attempt(db.session, user, now)
    if number is None or number > limit:
        verify_password(_dummy_hash(), password)  # as long as a real check takes
        if number is not None:  # attempts beyond the limit left no lock (a crash): lock now
            _lock(user, now)
        return Attempt.LOCKED
    if verify_password(user.password_hash, password):
        db.session.execute(update(User).where(User.id == user.id)
                           .values(failed_logins=0, locked_until=None))
        set_committed_value(user, "failed_logins", 0)
        set_committed_value(user, "locked_until", None)
        return Attempt.RIGHT
    db.session.info.setdefault(_COUNTED_FAILURES, []).append(user.id)
    if number >= limit:
        _lock(user, now)
        return Attempt.LOCKED
    return Attempt.WRONG


def signing_password_refusal(user: User, password: str | None) -> str | None:
    """Why the password re-entered to sign is refused, or None when it is right. Wrong
    passwords here count toward the same lockout as sign-in, and a locked account cannot sign."""
    if not password:
        return _("The password is not correct. Nothing was signed.")
    outcome = password_attempt(user, password)
    if outcome is Attempt.LOCKED:
        return _("Your account is locked after too many wrong passwords. Nothing was signed; "
                 "ask an administrator to unlock it or try again after %(minutes)d minutes.",
                 minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    if outcome is Attempt.WRONG:
        return _("The password is not correct. Nothing was signed.")
    return None


def _count_attempt(session: Session, user: User, now: datetime) -> int | None:
    """failed_logins + 1 in the database, unless the account is locked (then None)."""
    number = session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=User.failed_logins + 1, locked_until=None)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar()
    if number is not None:
        set_committed_value(user, "failed_logins", number)
        set_committed_value(user, "locked_until", None)
    return number


def _lock(user: User, now: datetime) -> None:
    user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    user.failed_logins = 0
    label_next_change(user, "lock")
    object_session(user).flush()  # type: ignore[union-attr]


_COUNTED_FAILURES = "devreg_counted_password_failures"


@event.listens_for(Session, "after_commit")
def _failures_kept(session: Session) -> None:
    session.info.pop(_COUNTED_FAILURES, None)


@event.listens_for(Session, "after_transaction_end")
def _count_again_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    """The request ended without committing the failures it counted (a refused signature rolls
    back the decision, or the session was closed): count them again in a transaction of their
    own, now that the request's locks are released, so that wrong passwords at the signing step
    lock the account too. After a commit the list is already empty."""
    if transaction.parent is not None:
        return
    user_ids = session.info.pop(_COUNTED_FAILURES, None)
    if not user_ids:
        return
    with Session(db.engine) as own:
        for user_id in user_ids:
            user = own.get(User, user_id)
            if user is None:
                continue
            now = utcnow()
            number = _count_attempt(own, user, now)
            if number is not None and number >= current_app.config["LOGIN_MAX_FAILURES"]:
                _lock(user, now)
        own.commit()


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
    if verify_password(user.password_hash, new):
        raise DomainError(_("The new password is not acceptable."),
                          details=[_("Choose a password different from the current one.")])
    user.password_hash = hash_password(new)
    user.must_change_password = False
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


def create_user(data: UserData, *, password: str, temporary: bool = True) -> User:
    """``temporary``: the password was set by an administrator for someone else, who must
    replace it at the first sign-in (21 CFR 11.300(b): only its owner knows a password).
    ``create-admin`` on the command line sets the administrator's own password."""
    if find_user_by_email(data.email) is not None:
        raise DomainError(_("An account with this email already exists."))
    _check_role_fits_organisation(data)
    problems = check_password_policy(password, data.email)
    if problems:
        raise DomainError(_("The password is not acceptable."), details=problems)
    user = User(password_hash=hash_password(password), must_change_password=temporary,
                **_user_columns(data))
    user.email = data.email.lower()
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, data: UserData, *, reason: str = "") -> bool:
    """Save the administrator's changes; True when the name or email changed.

    Accounts are never reused (21 CFR 11.100(a)): a name or email may change only as a
    correction for the same person, with the reason recorded in the trail; changing both at
    once would hand the account, its signatures and its history to someone else and is refused.
    Either change ends the account's sessions."""
    other = find_user_by_email(data.email)
    if other is not None and other.id != user.id:
        raise DomainError(_("An account with this email already exists."))
    _check_role_fits_organisation(data)
    email = data.email.strip().lower()
    name = data.display_name.strip()
    email_changed, name_changed = email != user.email, name != user.display_name
    reason = reason.strip()
    if email_changed and name_changed:
        raise IdentityChangeRefused(_(
            "The name and the email cannot both change: that would hand this account to "
            "another person. Accounts are never reused: deactivate this account and create a "
            "new one for the new person."))
    if (email_changed or name_changed) and not reason:
        raise IdentityChangeRefused(_(
            "A new name or email is only a correction for the same person: state the reason. "
            "For another person, deactivate this account and create a new one."))
    for key, value in _user_columns(data).items():
        setattr(user, key, value)
    user.email, user.display_name = email, name
    if email_changed or name_changed:
        user.identity_note = reason
        label_next_change(user, "change_identity")
        end_sessions(user)
    return email_changed or name_changed


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
    user.must_change_password = True  # the administrator knows it: the user replaces it
    user.locked_until = None
    user.failed_logins = 0
    end_sessions(user)
    label_next_change(user, "reset_password")
