"""Outbox rows (one e-mail to one person), inbox items and per-kind preferences.

A notification has a key (``event_key``) naming the event it tells about, e.g.
``application_accepted:42`` or ``supplement_deadline:42:7``: one recipient never gets two
rows for one key (unique indexes), so a listener or the sweep running twice adds nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.auth.models import User
from devreg.db import UTCDateTime, utcnow
from devreg.extensions import db
from devreg.i18n import _l


class Channel(StrEnum):
    EMAIL = "email"
    INBOX = "inbox"
    BOTH = "both"

    @property
    def title(self) -> str:
        return str({Channel.EMAIL: _l("E-mail only"), Channel.INBOX: _l("Inbox only"),
                    Channel.BOTH: _l("E-mail and inbox")}[self])


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by one sender
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_outbox_user_event"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: the address at the time of the event (an account's e-mail may change later)
    email: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10))
    record_type: Mapped[str | None] = mapped_column(String(30))
    record_id: Mapped[int | None] = mapped_column()
    event_key: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class InboxItem(db.Model):
    __tablename__ = "inbox_items"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_inbox_items_user_event"),
        # the navbar's unread count and the inbox page
        Index("ix_inbox_items_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str | None] = mapped_column(String(30))
    record_id: Mapped[int | None] = mapped_column()
    event_key: Mapped[str] = mapped_column(String(120))
    #: in the recipient's language at the time of the event
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: the record's path on this site (the e-mail carries the absolute PUBLIC_URL link)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),
        CheckConstraint("channel IN ('email', 'inbox', 'both')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
