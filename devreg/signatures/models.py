"""A Signature binds a signer, a meaning and a time to the SHA-256 of the signed content."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.auth.models import User
from devreg.db import UTCDateTime
from devreg.extensions import db


class Signature(db.Model):
    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_subject", "subject_type", "subject_id"),)
    audit_fields = ("signer_id", "printed_name", "meaning", "signed_at", "subject_type",
                    "subject_id", "content_hash")

    id: Mapped[int] = mapped_column(primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the signer's name as printed at the moment of signing
    printed_name: Mapped[str] = mapped_column(String(100))
    #: untranslated code: submitted, accepted, approved, confirmed, ...
    meaning: Mapped[str] = mapped_column(String(40))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    subject_type: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[int] = mapped_column()
    #: SHA-256 of the canonical JSON of what was signed; binds the signature to that content
    content_hash: Mapped[str] = mapped_column(String(64))
    #: the canonical content that was signed (None for signatures made before it was kept);
    #: checked against the live record whenever the signature is shown (signatures.records)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    signer: Mapped[User] = relationship()
