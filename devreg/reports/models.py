"""Yearly self-inspection reports (自查报告, Order 53 Art 45)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.auth.models import User
from devreg.db import UTCDateTime
from devreg.extensions import db
from devreg.orgs.models import Organisation


class SelfInspectionReport(db.Model):
    """A holder's or manufacturer's report on how its QMS ran in ``year``, filed by 31 March of
    the next year with a file and an e-signed declaration."""

    __tablename__ = "self_inspection_reports"
    __table_args__ = (UniqueConstraint("organisation_id", "year",
                                       name="uq_self_inspection_org_year"),)
    audit_fields = ("organisation_id", "year", "filed_on", "original_name", "sha256")

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the year the report is about; due by 31 March of year + 1
    year: Mapped[int] = mapped_column()
    filed_on: Mapped[date] = mapped_column()
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    filed_by: Mapped[User] = relationship()

    @property
    def due(self) -> date:
        return report_due(self.year)

    @property
    def is_late(self) -> bool:
        return self.filed_on > self.due


def report_due(year: int) -> date:
    """Order 53 Art 45: by 31 March of the following year."""
    return date(year + 1, 3, 31)
