"""Writing notifications: one call per event and recipient group, inside the caller's
transaction. Rendering happens here, in each recipient's language, so the row holds exactly
what is sent; sending happens after commit (devreg/notifications/sending.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.notifications.kinds import KINDS, kinds_for
from devreg.notifications.models import (
    Channel,
    InboxItem,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)
from devreg.orgs.models import Organisation

#: session.info key: the transaction wrote outbox rows (sending starts after its commit)
OUTBOX_WRITTEN = "devreg_outbox_written"


@dataclass(frozen=True)
class Link:
    """Where a notification points: an endpoint of the site and its values."""

    endpoint: str
    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def to(cls, endpoint: str, **values: Any) -> Link:
        return cls(endpoint, tuple(sorted(values.items())))

    def path(self) -> str:
        """The path, built without a request (the sweep and workers have none)."""
        adapter = current_app.url_map.bind("localhost")
        return adapter.build(self.endpoint, dict(self.values))

    def absolute(self) -> str:
        origin = current_app.config.get("PUBLIC_URL") or "http://localhost:5000"
        return origin + self.path()


# --- recipients ------------------------------------------------------------------------------

def _active(query):  # type: ignore[no-untyped-def]
    return list(db.session.scalars(query.where(User.is_active.is_(True)).order_by(User.id)))


def organisation_users(organisation_id: int | None) -> list[User]:
    """Everyone who answers for a company (its holder and manufacturer accounts)."""
    if organisation_id is None:
        return []
    return _active(select(User).where(User.organisation_id == organisation_id,
                                      User.role.in_([Role.HOLDER.value,
                                                     Role.MANUFACTURER.value])))


def province_reviewers(province_code: str) -> list[User]:
    return _active(select(User).join(Organisation, User.organisation_id == Organisation.id)
                   .where(User.role == Role.REVIEWER.value,
                          Organisation.province_code == province_code))


def admins() -> list[User]:
    return _active(select(User).where(User.role == Role.ADMIN.value))


# --- preferences -----------------------------------------------------------------------------

def channel_for(user: User, kind: str) -> Channel:
    if KINDS[kind].mandatory:
        return Channel.BOTH
    chosen = db.session.scalar(select(NotificationPreference.channel).where(
        NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
    return Channel(chosen) if chosen else Channel.BOTH


def preferences_of(user: User) -> dict[str, Channel]:
    chosen = dict(db.session.execute(select(NotificationPreference.kind,
                                            NotificationPreference.channel).where(
        NotificationPreference.user_id == user.id)).all())
    return {kind: Channel.BOTH if KINDS[kind].mandatory else Channel(chosen.get(kind, "both"))
            for kind in kinds_for(user.role)}


def set_preferences(user: User, choices: dict[str, str]) -> None:
    """Save the user's channel for each kind. Decisions and legal deadlines cannot be turned
    off: asking for anything but both channels for them is refused, and nothing is saved."""
    allowed = kinds_for(user.role)
    refused = [str(KINDS[k].title) for k, v in choices.items()
               if k in allowed and KINDS[k].mandatory and v != Channel.BOTH.value]
    if refused:
        raise DomainError(_("Decisions and legal deadlines always arrive by e-mail and in the "
                            "inbox; they cannot be turned off:"), details=refused)
    for kind, value in choices.items():
        if kind not in allowed or KINDS[kind].mandatory:
            continue
        channel = Channel(value)
        row = db.session.scalar(select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind,
                                                  channel=channel.value))
        else:
            row.channel = channel.value
    db.session.flush()


# --- writing ---------------------------------------------------------------------------------

def language_of(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config[
        "BABEL_DEFAULT_LOCALE"]


def render(kind: str, language: str, **context: Any) -> tuple[str, str]:
    """Subject and body of ``kind`` in ``language`` (templates/notifications/mail/)."""
    template = current_app.jinja_env.get_template(f"notifications/mail/{kind}.txt")
    with force_locale(language):
        variables = {**context, "kind": kind}
        subject = "".join(template.blocks["subject"](template.new_context(variables)))
        body = template.render(variables)
    return " ".join(subject.split())[:300], body.strip() + "\n"


def _insert_once(session: Session, model: type, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT (user_id, event_key) DO NOTHING, on PostgreSQL and SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing(
        index_elements=["user_id", "event_key"]))


def notify(users: Iterable[User], kind: str, *, key: str, record: Any = None,
           link: Link | None = None, **context: Any) -> int:
    """Tell each user (once per ``key``) about ``kind``: an inbox item and/or an outbox row,
    as the user chose, rendered in the user's language. Returns how many users were told."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    record_type = type(record).__tablename__ if record is not None else None  # type: ignore[attr-defined]
    record_id = getattr(record, "id", None)
    url = link.absolute() if link else None
    seen: set[int] = set()
    now = utcnow()
    for user in users:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        channel = channel_for(user, kind)
        language = language_of(user)
        subject, body = render(kind, language, user=user, url=url, record=record, **context)
        common = {"user_id": user.id, "kind": kind, "record_type": record_type,
                  "record_id": record_id, "event_key": key, "subject": subject, "body": body}
        if channel in (Channel.INBOX, Channel.BOTH):
            _insert_once(db.session, InboxItem, {**common, "created_at": now,
                                                 "link": link.path() if link else None})
        if channel in (Channel.EMAIL, Channel.BOTH):
            _insert_once(db.session, OutboxMessage, {
                **common, "email": user.email, "language": language,
                "status": OutboxStatus.PENDING.value, "attempts": 0, "next_attempt_at": now,
                "created_at": now})
            db.session.info[OUTBOX_WRITTEN] = True
    return len(seen)
