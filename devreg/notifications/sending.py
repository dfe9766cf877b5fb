"""Sending the outbox after commit: claim due rows, send each over SMTP (Flask-Mailman), mark
it sent, or retry it later with exponential backoff, and after OUTBOX_MAX_ATTEMPTS mark it
failed and tell the admins.

Claiming is safe with several senders (workers, cron, hosts): on PostgreSQL the due rows are
locked with SELECT ... FOR UPDATE SKIP LOCKED and marked "sending" in one transaction; on
SQLite each row is claimed by an atomic UPDATE ... WHERE status = 'pending'. A row is sent by
the sender that claimed it, and only by it."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app, has_request_context
from flask_mailman import EmailMessage, Mail
from sqlalchemy import event as sa_event
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from devreg.db import utcnow
from devreg.extensions import db
from devreg.notifications.models import OutboxMessage, OutboxStatus
from devreg.notifications.services import OUTBOX_WRITTEN, Link, admins, notify

mail = Mail()
P, SENDING = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _due_condition(now):  # type: ignore[no-untyped-def]
    stale = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    return or_(
        (OutboxMessage.status == P) & (OutboxMessage.next_attempt_at <= now),
        # its sender died while it was claimed
        (OutboxMessage.status == SENDING) & (OutboxMessage.claimed_at < stale))


def claim(limit: int, token: str) -> list[int]:
    """Mark up to ``limit`` due rows as claimed by ``token``; commit; return their ids."""
    now = utcnow()
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(select(OutboxMessage.id).where(_due_condition(now))
                                   .order_by(OutboxMessage.id).limit(limit)
                                   .with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(status=SENDING, claimed_at=now, claimed_by=token))
    else:
        ids = []
        while not ids:  # lost every race for these rows: look again until none is due
            candidates = list(session.scalars(select(OutboxMessage.id)
                                              .where(_due_condition(now))
                                              .order_by(OutboxMessage.id).limit(limit)))
            if not candidates:
                break
            for row_id in candidates:
                # atomic: of two senders racing for the row, one UPDATE matches it
                claimed = session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row_id,
                                                _due_condition(now))
                    .values(status=SENDING, claimed_at=now, claimed_by=token))
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    ids.append(row_id)
                session.commit()
    session.commit()
    return ids


def _message(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage(subject=row.subject, body=row.body, to=[row.email],
                           from_email=current_app.config["MAIL_DEFAULT_SENDER"],
                           headers={"X-Devreg-Outbox-Id": str(row.id),
                                    "X-Devreg-Kind": row.kind,
                                    "Content-Language": row.language.replace("_", "-")})
    message.encoding = "utf-8"
    return message


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_RETRY_BASE_SECONDS"]
                     * 2 ** max(attempts - 1, 0))


def send_due(*, limit: int | None = None, token: str | None = None) -> SendResult:
    """Send every due row, batch after batch, until none is left; each row committed alone."""
    token = token or uuid.uuid4().hex
    batch = limit or current_app.config["OUTBOX_BATCH_SIZE"]
    result = SendResult()
    while True:
        ids = claim(batch, token)
        if not ids:
            return result
        connection = mail.get_connection()
        try:
            connection.open()
        except Exception as error:
            for row_id in ids:
                _failed_attempt(row_id, token, error, result)
            return result
        try:
            for row_id in ids:
                row = db.session.get(OutboxMessage, row_id)
                if row is None or row.claimed_by != token:
                    continue
                try:
                    connection.send_messages([_message(row)])
                except Exception as error:
                    _failed_attempt(row_id, token, error, result)
                    continue
                row.status = OutboxStatus.SENT.value
                row.sent_at = utcnow()
                row.attempts += 1
                row.last_error = None
                db.session.commit()
                result.sent.append(row_id)
        finally:
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.close()


def _failed_attempt(row_id: int, token: str, error: Exception, result: SendResult) -> None:
    db.session.rollback()
    row = db.session.get(OutboxMessage, row_id)
    if row is None or row.claimed_by != token:
        return
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    row.claimed_by = None
    if row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        row.status = OutboxStatus.FAILED.value
        result.failed.append(row_id)
        if row.kind != "delivery_failed":  # a failed failure notice is not announced again
            notify(admins(), "delivery_failed", key=f"delivery_failed:{row.id}", record=row,
                   link=Link.to("notifications.inbox"), message=row)
    else:
        row.status = P
        row.next_attempt_at = utcnow() + _backoff(row.attempts)
        result.retried.append(row_id)
    db.session.commit()


def send_due_job() -> int:
    """The worker's job (devreg.jobs): send what is due."""
    return len(send_due().sent)


# --- after commit ----------------------------------------------------------------------------

@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    """Rows were written: with REDIS_URL a job sends them on a worker; in development they are
    sent (printed) once the request is answered; otherwise `flask outbox send` sends them."""
    if not session.info.pop(OUTBOX_WRITTEN, False):
        return
    config = current_app.config
    if config.get("REDIS_URL"):
        from devreg.jobs import enqueue

        enqueue(send_due_job)
    elif config.get("DEVREG_ENV") == "development" and not config.get("TESTING"):
        if has_request_context():
            from flask import g

            g.devreg_send_outbox = True
        else:
            current_app.extensions.setdefault("devreg_outbox_after", []).append(True)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX_WRITTEN, None)


def init_sending(app: Any) -> None:
    mail.init_app(app)

    @app.after_request
    def _send_after_request(response):  # type: ignore[no-untyped-def]
        from flask import g

        if g.pop("devreg_send_outbox", False):
            send_due()
        return response
