"""AuditEvent: one row per create, update or state change, chained by SHA-256."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from devreg.db import UTCDateTime
from devreg.extensions import db

GENESIS_HASH = "0" * 64


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


def chain_hash(content: dict[str, Any], prev_hash: str) -> str:
    """SHA-256 over the canonical JSON of the event's content and the previous event's hash."""
    payload = json.dumps(
        {"content": content, "prev_hash": prev_hash},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
