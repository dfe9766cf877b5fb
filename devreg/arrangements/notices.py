"""Notices (信息通报) between the two provinces of an arrangement: the automatic ones, and the
ones a reviewer writes, with attachments, answered in the same thread; read receipts.

2022 cross-region opinion: the holder's and the manufacturer's provinces inform each other.
Services flush; the caller commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from flask import current_app
from sqlalchemy import or_, select

from devreg import events
from devreg.arrangements.models import Arrangement, Notice, NoticeAttachment
from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.permissions import authorize
from devreg.registrations import files

MESSAGE = "message"
#: interpretation: a notice carries at most this many files
MAX_ATTACHMENTS = 5


def provinces_of(arrangement: Arrangement) -> set[str]:
    return {arrangement.holder_province_code, arrangement.site_province_code}


def may_read(user: User, notice: Notice) -> bool:
    """A reviewer of the province told, or of the province that wrote it."""
    return user.role == Role.REVIEWER and user.jurisdiction in (notice.province_code,
                                                                notice.from_province_code)


def thread_of(notice: Notice) -> list[Notice]:
    root = notice.root_id
    return list(db.session.scalars(select(Notice).where(
        or_(Notice.id == root, Notice.thread_id == root)).order_by(Notice.id)))


def write(arrangement: Arrangement, *, actor: User, body: str,
          uploads: Sequence[tuple[str | None, IO[bytes]]] = (),
          answering: Notice | None = None) -> Notice:
    """A written notice from the actor's province to the other province of the arrangement
    (an answer: to the other province of the thread)."""
    authorize(actor, "arrangements.write_notice", arrangement)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write the notice."))
    own = actor.jurisdiction
    others = provinces_of(arrangement) - {own}
    if not others:
        raise DomainError(_("This arrangement concerns your province only: a notice goes to "
                            "the other province."))
    if len(uploads) > MAX_ATTACHMENTS:
        raise DomainError(_("At most %(n)d files can be attached to a notice.",
                            n=MAX_ATTACHMENTS))
    if answering is not None and (answering.arrangement_id != arrangement.id
                                  or not may_read(actor, answering)):
        raise DomainError(_("This notice belongs to another thread."))
    notice = Notice(province_code=others.pop(), from_province_code=own,
                    arrangement_id=arrangement.id, kind=MESSAGE, body=body,
                    author_id=actor.id, created_at=utcnow(),
                    thread_id=answering.root_id if answering is not None else None)
    db.session.add(notice)
    db.session.flush()
    max_bytes = current_app.config["DOSSIER_MAX_BYTES"]
    for name, stream in uploads:
        stored = files.store_upload(db.session, stream, max_bytes=max_bytes)
        if stored.size > max_bytes or stored.size == 0 or stored.content_type is None:
            files.discard(db.session, stored.stored_name)
            raise DomainError(_("An attachment must be a PDF, PNG, JPEG, DOCX or XLSX file of "
                                "at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
        notice.attachments.append(NoticeAttachment(
            original_name=files.clean_filename(name), stored_name=stored.stored_name,
            size=stored.size, content_type=stored.content_type, sha256=stored.sha256))
    db.session.flush()
    events.notice_sent.send(notice, arrangement=arrangement, actor=actor)
    return notice


def mark_read(notices: Sequence[Notice], *, reader: User) -> int:
    """The reader's province was told: its first opening is the read receipt."""
    now, marked = utcnow(), 0
    for notice in notices:
        if notice.read_at is None and reader.role == Role.REVIEWER \
                and notice.province_code == reader.jurisdiction:
            notice.read_at, notice.read_by_id = now, reader.id
            marked += 1
    return marked


def notices_of(arrangement: Arrangement, user: User) -> list[Notice]:
    """The arrangement's notices the user's province sent or was told, newest first."""
    if user.role != Role.REVIEWER:
        return []
    return list(db.session.scalars(select(Notice).where(
        Notice.arrangement_id == arrangement.id,
        or_(Notice.province_code == user.jurisdiction,
            Notice.from_province_code == user.jurisdiction)).order_by(Notice.id.desc())))
