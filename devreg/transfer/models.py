"""Where each imported record came from, and the signed explicit settings of a counter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from devreg.db import UTCDateTime, utcnow
from devreg.extensions import db


class ImportedRecord(db.Model):
    """One imported row: its natural key (a certificate number, a credit code ...), the record
    it became, and its source (file, row). The unique key makes a second import of the same
    row a no-op and a different row with the same key a refusal."""

    __tablename__ = "imported_records"
    __table_args__ = (UniqueConstraint("kind", "natural_key", name="uq_imported_record_key"),)
    audit_fields = ("kind", "natural_key", "subject_type", "subject_id", "source_file",
                    "source_row", "row_hash")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: organisations | users | licences | certificates | arrangements
    kind: Mapped[str] = mapped_column(String(20))
    natural_key: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column()
    source_file: Mapped[str] = mapped_column(String(255))
    #: the row number as a spreadsheet shows it (the header is row 1)
    source_row: Mapped[int] = mapped_column()
    #: SHA-256 of the row's values: the same row imported again changes nothing
    row_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CounterSetting(db.Model):
    """An administrator's explicit setting of a serial counter, with a signed reason; never
    below the highest serial already used (Order 47 Art 115: a number is unique for life)."""

    __tablename__ = "counter_settings"
    audit_fields = ("kind", "province_code", "year", "previous_value", "new_value", "reason",
                    "signature_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    year: Mapped[int] = mapped_column()
    previous_value: Mapped[int] = mapped_column()
    new_value: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
