"""Issued documents and the provinces' seal images."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.db import UTCDateTime, utcnow
from devreg.documents.kinds import DocumentKind
from devreg.extensions import db
from devreg.registrations.models import Application


class Document(db.Model):
    """One official document as issued: its PDF is in the store under ``storage_key`` and never
    rewritten; ``sha256`` is the hash of those bytes, which the public verify page checks."""

    __tablename__ = "documents"
    __table_args__ = (
        # a repeated event never makes a second document of the same act
        UniqueConstraint("application_id", "kind", "round", name="uq_documents_record_kind_round"),
        Index("ix_documents_certificate", "certificate_id"),
    )
    audit_fields = ("kind", "number", "application_id", "certificate_id", "round", "issued_on",
                    "sha256", "size", "storage_key")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: a DocumentKind value
    kind: Mapped[str] = mapped_column(String(30))
    #: e.g. 冀械受通〔2026〕0001号 (DOCUMENT_NUMBER_FORMAT, docs/rules.md)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    #: set for the certificate and change documents (listed on the certificate's page)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    #: 1, or the n-th document of this kind on the application (e.g. a second extension)
    round: Mapped[int] = mapped_column(default=1)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    issued_on: Mapped[date] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    application: Mapped[Application] = relationship()

    @property
    def kind_enum(self) -> DocumentKind:
        return DocumentKind(self.kind)

    @property
    def title_zh(self) -> str:
        return self.kind_enum.title_zh

    @property
    def download_name(self) -> str:
        return f"{self.title_zh}-{self.number}.pdf"

    def __str__(self) -> str:
        return self.number


class ProvinceSeal(db.Model):
    """The seal image an administrator uploaded for a province's administration; printed in
    the seal area of every document issued after the upload."""

    __tablename__ = "province_seals"
    audit_fields = ("province_code", "content_type", "sha256", "size", "storage_key")

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), unique=True)
    content_type: Mapped[str] = mapped_column(String(30))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
