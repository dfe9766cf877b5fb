"""Writes the audit trail. A session listener records every create, update and delete of a model
that declares ``audit_fields``; services name state changes with ``label_next_change``.

The trail is written on the same connection as the change, so it commits or rolls back with it.
On PostgreSQL an advisory lock serialises appends, so two transactions never chain onto the same
predecessor; on SQLite the flush's first write already holds the database's write lock."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from sqlalchemy import event, insert, inspect, select, text
from sqlalchemy.orm import Session

from devreg.audit.models import GENESIS_HASH, AuditEvent, chain_hash, event_content
from devreg.db import utcnow

AUDIT_LOCK_KEY = 0x6465767265  # "devre": any constant shared by all writers
_PENDING = "devreg_audit_pending"
_ACTION_ATTR = "_devreg_audit_action"
_system_actor: ContextVar[tuple[int | None, str] | None] = ContextVar("audit_actor", default=None)


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


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if hasattr(value, "__mapper__"):  # a related row: record its key, not its display text
        identity = inspect(value).identity
        return identity[0] if identity and len(identity) == 1 else str(identity)
    return str(value)


def _snapshot(obj: Any) -> dict[str, Any]:
    return {f: _jsonable(getattr(obj, f)) for f in obj.audit_fields}


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
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if isinstance(new, list) or isinstance(old, list):  # relationship collections
            old = list(history.unchanged) + list(history.deleted)
            new = list(history.unchanged) + list(history.added)
        if _jsonable(old) != _jsonable(new):
            before[field], after[field] = _jsonable(old), _jsonable(new)
    return before, after


def _is_audited(obj: Any) -> bool:
    return bool(getattr(type(obj), "audit_fields", None))


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    pending = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if _is_audited(obj):
            pending.append((obj, obj.__dict__.pop(_ACTION_ATTR, "create"), None, None))
    for obj in session.dirty:
        if not _is_audited(obj):
            continue
        before, after = _changes(obj)
        action = obj.__dict__.pop(_ACTION_ATTR, None)
        if before or after or action:
            pending.append((obj, action or "update", before, after))
    for obj in session.deleted:
        if _is_audited(obj):
            pending.append((obj, "delete", _snapshot(obj), None))


@event.listens_for(Session, "after_flush")
def _write(session: Session, flush_context: Any) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    prev_hash = connection.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar() or GENESIS_HASH
    actor_id, actor_email, client_address = _current_actor()
    for obj, action, before, after in pending:
        if after is None and action != "delete":
            after = _snapshot(obj)
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
        digest = chain_hash(event_content(created_at=created_at, **fields), prev_hash)
        connection.execute(
            insert(AuditEvent).values(
                created_at=created_at, prev_hash=prev_hash, hash=digest, **fields
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
