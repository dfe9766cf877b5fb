"""AuditEvent: one row per create, update or state change, chained by HMAC-SHA256.

Chain versions: events written before the key existed (``LEGACY``) are chained by plain SHA-256;
every later event (``KEYED``) by HMAC-SHA256 under ``AUDIT_KEY``, which is not in the database.
The legacy segment can only come first, and the first keyed event's MAC covers the last legacy
hash, so rewriting a legacy event means forging that MAC (and disagreeing with the checkpoints)."""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import JSON, Index, SmallInteger, String, inspect
from sqlalchemy.orm import Mapped, mapped_column

from devreg.db import UTCDateTime
from devreg.extensions import db

GENESIS_HASH = "0" * 64
LEGACY = 1  #: plain SHA-256 (events written before the audit key was introduced)
KEYED = 2  #: HMAC-SHA256 under AUDIT_KEY


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: no foreign key: the trail must survive whatever happens to the user row
    actor_id: Mapped[int | None] = mapped_column()
    actor_email: Mapped[str | None] = mapped_column(String(254))
    client_address: Mapped[str | None] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[int] = mapped_column()
    #: untranslated code: create, update, or a transition verb such as submit, approve
    action: Mapped[str] = mapped_column(String(60))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: LEGACY or KEYED: how ``hash`` was computed
    chain_version: Mapped[int] = mapped_column(SmallInteger, default=KEYED)

    def content(self) -> dict[str, Any]:
        return event_content(
            created_at=self.created_at,
            actor_id=self.actor_id,
            actor_email=self.actor_email,
            client_address=self.client_address,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            action=self.action,
            before=self.before,
            after=self.after,
        )


def event_content(*, created_at: datetime, **fields: Any) -> dict[str, Any]:
    return {"created_at": created_at.isoformat(timespec="microseconds"), **fields}


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def audit_key() -> bytes:
    return str(current_app.config["AUDIT_KEY"]).encode("utf-8")


def legacy_hash(content: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of the event's content and the previous event's hash."""
    return hashlib.sha256(canonical_json({"content": content, "prev_hash": prev_hash})).hexdigest()


def keyed_hash(content: dict[str, Any], prev_hash: str, key: bytes) -> str:
    """HMAC-SHA256 under the audit key; the version is inside the MAC, so a keyed event cannot be
    relabelled as legacy without breaking it."""
    payload = canonical_json({"content": content, "prev_hash": prev_hash, "v": KEYED})
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def chain_hash(content: dict[str, Any], prev_hash: str, *, version: int = KEYED,
               key: bytes | None = None) -> str:
    if version == LEGACY:
        return legacy_hash(content, prev_hash)
    return keyed_hash(content, prev_hash, key if key is not None else audit_key())


def sign(value: dict[str, Any], key: bytes | None = None) -> str:
    """HMAC-SHA256 of a record kept outside the database (checkpoints, backup manifests)."""
    return hmac.new(key if key is not None else audit_key(), canonical_json(value),
                    hashlib.sha256).hexdigest()


def jsonable(value: Any) -> Any:
    """How a field's value is written into an event (and compared with the live row)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(jsonable(v) for v in value)
    if hasattr(value, "__mapper__"):  # a related row: record its key, not its display text
        identity = inspect(value).identity
        return identity[0] if identity and len(identity) == 1 else str(identity)
    return str(value)


def snapshot(obj: Any) -> dict[str, Any]:
    """The audited fields of a record, as an event records them."""
    return {f: jsonable(getattr(obj, f)) for f in obj.audit_fields}
