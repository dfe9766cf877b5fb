"""Reading the inbox."""

from __future__ import annotations

from sqlalchemy import func, select

from devreg.extensions import db
from devreg.notifications.models import InboxItem

PAGE_SIZE = 50


def unread_count(user_id: int) -> int:
    """The navbar's badge: one statement."""
    return db.session.scalar(select(func.count(InboxItem.id)).where(
        InboxItem.user_id == user_id, InboxItem.read_at.is_(None))) or 0


def inbox_page(user_id: int, *, kind: str | None, unread_only: bool,
               page: int) -> tuple[list[InboxItem], bool]:
    """One page of the user's items, newest first, and whether there is a next page."""
    query = select(InboxItem).where(InboxItem.user_id == user_id)
    if kind:
        query = query.where(InboxItem.kind == kind)
    if unread_only:
        query = query.where(InboxItem.read_at.is_(None))
    rows = list(db.session.scalars(query.order_by(InboxItem.created_at.desc(),
                                                  InboxItem.id.desc())
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def kinds_in_inbox(user_id: int) -> list[str]:
    return list(db.session.scalars(select(InboxItem.kind).where(InboxItem.user_id == user_id)
                                   .distinct().order_by(InboxItem.kind)))
