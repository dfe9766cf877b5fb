"""Writes the audit trail. A session listener records every create, update and delete of a model
that declares ``audit_fields``; services name state changes with ``label_next_change``.

The trail is written on the same connection as the change, so it commits or rolls back with it.
On PostgreSQL an advisory lock serialises appends, so two transactions never chain onto the same
predecessor; on SQLite the flush's first write already holds the database's write lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import has_request_context, request
from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import RelationshipProperty, Session

from devreg.audit.models import (
    GENESIS_HASH,
    KEYED,
    AuditEvent,
    audit_key,
    event_content,
    jsonable,
    keyed_hash,
    snapshot,
)
from devreg.db import utcnow

AUDIT_LOCK_KEY = 0x6465767265  # "devre": any constant shared by all writers
_PENDING = "devreg_audit_pending"
_ACTION_ATTR = "_devreg_audit_action"
_DIRTY: Any = object()  #: marks a pending update whose changes are read after the flush
_system_actor: ContextVar[tuple[int | None, str] | None] = ContextVar("audit_actor", default=None)
#: the action code of a created record: "create", or "imported" while an import writes
_create_action: ContextVar[str] = ContextVar("audit_create_action", default="create")


@contextmanager
def recording_creates_as(action: str) -> Iterator[None]:
    """Records created inside get ``action`` (e.g. "imported") instead of "create", whichever
    domain service creates them."""
    token = _create_action.set(action)
    try:
        yield
    finally:
        _create_action.reset(token)


@contextmanager
def acting_as(actor_id: int | None, label: str) -> Iterator[None]:
    """Name the actor for changes made outside a request (CLI commands, the demo loader)."""
    token = _system_actor.set((actor_id, label))
    try:
        yield
    finally:
        _system_actor.reset(token)


def label_next_change(obj: Any, action: str) -> None:
    """Give the next audit event of ``obj`` a meaningful action code instead of 'update'."""
    obj.__dict__[_ACTION_ATTR] = action


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before, after = {}, {}
    for field in obj.audit_fields:
        attr = state.attrs.get(field)
        if attr is None:
            continue
        history = attr.load_history()
        if not history.has_changes():
            continue
        prop = state.mapper.attrs.get(field)
        if isinstance(prop, RelationshipProperty) and prop.uselist:  # a collection: all of it
            old = list(history.unchanged) + list(history.deleted)
            new = list(history.unchanged) + list(history.added)
        else:
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
        if jsonable(old) != jsonable(new):
            before[field], after[field] = jsonable(old), jsonable(new)
    return before, after


def _is_audited(obj: Any) -> bool:
    return bool(getattr(type(obj), "audit_fields", None))


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if _is_audited(obj):
            pending.append((obj, obj.__dict__.pop(_ACTION_ATTR, _create_action.get()), None,
                            None))
    for obj in session.dirty:
        if _is_audited(obj):
            # the changes are read after the flush: a foreign key set through its relationship
            # (application.certificate = ...) only reaches its column during the flush
            pending.append((obj, obj.__dict__.pop(_ACTION_ATTR, None), _DIRTY, None))
    for obj in session.deleted:
        if _is_audited(obj):
            pending.append((obj, "delete", snapshot(obj), None))


def _resolve(pending: list[tuple[Any, Any, Any, Any]]) -> list[tuple[Any, str, Any, Any]]:
    """The events to write: updates with no change to an audited field (and no label) drop."""
    events = []
    for obj, action, before, after in pending:
        if before is _DIRTY:
            before, after = _changes(obj)
            if not (before or after or action):
                continue
            action = action or "update"
        elif after is None and action != "delete":
            after = snapshot(obj)
        events.append((obj, action, before, after))
    return events


@event.listens_for(Session, "after_flush")
def _write(session: Session, flush_context: Any) -> None:
    events = _resolve(session.info.pop(_PENDING, []))
    if not events:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    prev_hash = connection.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar() or GENESIS_HASH
    actor_id, actor_email, client_address = _current_actor()
    key = audit_key()
    for obj, action, before, after in events:
        fields = {
            "actor_id": actor_id,
            "actor_email": actor_email,
            "client_address": client_address,
            "subject_type": type(obj).__name__,
            "subject_id": inspect(obj).mapper.primary_key_from_instance(obj)[0],
            "action": action,
            "before": before,
            "after": after,
        }
        created_at = utcnow()
        digest = keyed_hash(event_content(created_at=created_at, **fields), prev_hash, key)
        connection.execute(
            insert(AuditEvent).values(
                created_at=created_at, prev_hash=prev_hash, hash=digest, chain_version=KEYED,
                **fields
            )
        )
        prev_hash = digest


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _current_actor() -> tuple[int | None, str | None, str | None]:
    override = _system_actor.get()
    if override is not None:
        return override[0], override[1], None
    if has_request_context():
        from flask_login import current_user

        address = request.remote_addr
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email, address
        return None, None, address
    return None, "system", None
