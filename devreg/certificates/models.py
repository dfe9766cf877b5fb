"""Certificates (医疗器械注册证), their validity periods, change history, and number counters."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.db import TimestampMixin
from devreg.extensions import db
from devreg.i18n import _l
from devreg.orgs.models import Organisation
from devreg.registrations.models import Device


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REVOKED = "revoked"

    @property
    def title(self) -> str:
        return str(STATUS_TITLES[self])


STATUS_TITLES = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.EXPIRED: _l("Expired"),
    CertificateStatus.CANCELLED: _l("Cancelled (注销)"),
    CertificateStatus.REVOKED: _l("Revoked (撤销)"),
}


class Certificate(TimestampMixin, db.Model):
    __tablename__ = "certificates"
    audit_fields = ("number", "status", "valid_from", "valid_until", "ended_on", "holder_name",
                    "holder_address", "production_address", "device_name", "model_spec",
                    "structure", "intended_use", "technical_requirements")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. 冀械注准20262070001; kept on renewal
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=CertificateStatus.VALID.value,
                                        index=True)
    version: Mapped[int] = mapped_column(default=1)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    holder_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    #: the initial application; later applications point here through certificate_id.
    #: Always set by issue_certificate; nullable (and use_alter) because the two tables point
    #: at each other, so a restore inserts certificates first and fills this in afterwards.
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id",
                                                                  use_alter=True))
    first_year: Mapped[int] = mapped_column()
    serial: Mapped[int] = mapped_column()
    category_code: Mapped[str] = mapped_column(ForeignKey("catalogue_categories.code"))
    approved_on: Mapped[date] = mapped_column(index=True)
    #: the current (latest) validity period, copied from ``periods`` for lists and the sweep
    valid_from: Mapped[date] = mapped_column()
    #: the last valid day of the latest period
    valid_until: Mapped[date] = mapped_column()
    #: the day a cancellation (注销) or revocation (撤销) took effect: not valid from that day on
    ended_on: Mapped[date | None] = mapped_column()
    # registration items printed on the certificate (copied, then changed by later applications)
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_address: Mapped[str] = mapped_column(String(300))
    production_address: Mapped[str] = mapped_column(Text)
    device_name: Mapped[str] = mapped_column(String(200))
    model_spec: Mapped[str] = mapped_column(Text)
    structure: Mapped[str] = mapped_column(Text)
    intended_use: Mapped[str] = mapped_column(Text)
    #: 附件: the approved product technical requirements (产品技术要求, Order 47 Art 58), as
    #: submitted; changed only by change registration (Art 79 ¶2)
    technical_requirements: Mapped[str] = mapped_column(Text, default="", server_default="")
    approver_signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))

    device: Mapped[Device] = relationship(lazy="joined")
    holder: Mapped[Organisation] = relationship(lazy="joined")
    changes: Mapped[list[CertificateChange]] = relationship(
        back_populates="certificate", order_by="CertificateChange.id", lazy="selectin")
    periods: Mapped[list[ValidityPeriod]] = relationship(
        back_populates="certificate", order_by="ValidityPeriod.starts_on", lazy="selectin")
    change_documents: Mapped[list[ChangeDocument]] = relationship(
        back_populates="certificate", order_by="ChangeDocument.sequence", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_enum(self) -> CertificateStatus:
        return CertificateStatus(self.status)

    def period_on(self, day: date) -> ValidityPeriod | None:
        """The validity period that covers ``day``, if any."""
        return next((p for p in self.periods if p.starts_on <= day <= p.ends_on), None)

    def is_valid_on(self, day: date) -> bool:
        """Was (or is) the certificate valid on ``day``? Read from the validity periods (Order
        47 Art 84: a renewal approved after expiry leaves a gap), ended by a cancellation or
        revocation from the day it took effect. The SQL twin is queries.valid_on()."""
        ended = self.status in (CertificateStatus.CANCELLED, CertificateStatus.REVOKED)
        if ended and (self.ended_on is None or day >= self.ended_on):
            return False
        return self.period_on(day) is not None

    def not_valid_because(self, day: date) -> str | None:
        """Why the certificate was not valid on ``day`` (None when it was): not_yet_issued |
        cancelled | revoked | gap (between two periods, Order 47 Art 84) | expired."""
        if self.is_valid_on(day):
            return None
        if self.status in (CertificateStatus.CANCELLED, CertificateStatus.REVOKED) and (
                self.ended_on is None or day >= self.ended_on):
            return self.status
        if not self.periods or day < self.periods[0].starts_on:
            return "not_yet_issued"
        if day <= self.periods[-1].ends_on:
            return "gap"
        return CertificateStatus.EXPIRED.value

    def gaps(self) -> list[tuple[date, date]]:
        """Days between two periods on which no certificate was valid: (first, last)."""
        return [(before.ends_on + timedelta(days=1), after.starts_on - timedelta(days=1))
                for before, after in zip(self.periods, self.periods[1:], strict=False)
                if after.starts_on > before.ends_on + timedelta(days=1)]

    def timeline(self) -> list[tuple[date, date, ValidityPeriod | None]]:
        """Periods in order with the gaps between them: (first day, last day, period or None)."""
        rows: list[tuple[date, date, ValidityPeriod | None]] = []
        for period in self.periods:
            if rows and period.starts_on > rows[-1][1] + timedelta(days=1):
                rows.append((rows[-1][1] + timedelta(days=1),
                             period.starts_on - timedelta(days=1), None))
            rows.append((period.starts_on, period.ends_on, period))
        return rows

    def __str__(self) -> str:
        return self.number


class CertificateChange(db.Model):
    """One entry of the certificate's history: issue, change document, filing, renewal, end."""

    __tablename__ = "certificate_changes"
    audit_fields = ("certificate_id", "kind", "application_id", "effective_on", "before",
                    "after")

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    #: issued | change_registration | change_filing | renewal | cancellation | revocation | expiry
    kind: Mapped[str] = mapped_column(String(30))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    effective_on: Mapped[date] = mapped_column()
    summary: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))

    certificate: Mapped[Certificate] = relationship(back_populates="changes")


class ValidityPeriod(db.Model):
    """One period in which the certificate is valid: the first runs from approval; each renewal
    adds one (Order 47 Art 84). Periods never overlap; a gap between two means that no valid
    certificate existed on those days."""

    __tablename__ = "certificate_validity_periods"
    __table_args__ = (
        UniqueConstraint("certificate_id", "starts_on", name="uq_validity_period_start"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )
    audit_fields = ("certificate_id", "kind", "starts_on", "ends_on", "approved_on",
                    "application_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    #: issued | renewal | deemed_renewal
    kind: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column()
    #: the last valid day
    ends_on: Mapped[date] = mapped_column()
    #: the approval (for a deemed renewal: the old last valid day, by which it was deemed granted)
    approved_on: Mapped[date] = mapped_column()
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))

    certificate: Mapped[Certificate] = relationship(back_populates="periods")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class ChangeDocument(db.Model):
    """变更注册文件: an approved change registration, attached to the certificate and valid
    together with it, ending when it ends (Order 47 Art 81). Lists each changed item before and
    after, and the substantive changes described and reviewed (Art 79 ¶2)."""

    __tablename__ = "change_documents"
    __table_args__ = (UniqueConstraint("certificate_id", "sequence",
                                       name="uq_change_document_sequence"),)
    audit_fields = ("certificate_id", "application_id", "sequence", "approved_on", "items",
                    "substantive_changes", "signature_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    #: 1, 2, ... per certificate
    sequence: Mapped[int] = mapped_column()
    approved_on: Mapped[date] = mapped_column()
    #: [{"item": "model_spec", "before": "...", "after": "..."}, ...] in REVIEWED_ITEMS order
    items: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    #: {"design": "what changed and why", ...}: substantive changes that are not printed items
    substantive_changes: Mapped[dict[str, str] | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))

    certificate: Mapped[Certificate] = relationship(back_populates="change_documents")


class NumberCounter(db.Model):
    """The last number handed out per kind, province and year. Incremented with one UPDATE
    inside the approving transaction: the row lock serialises parallel approvals, and a rolled
    back approval releases its number, so serials are unique and have no gaps."""

    __tablename__ = "number_counters"
    __table_args__ = (UniqueConstraint("kind", "province_code", "year", name="uq_number_counter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # certificate | acceptance
    province_code: Mapped[str] = mapped_column(String(2))
    year: Mapped[int] = mapped_column()
    last_value: Mapped[int] = mapped_column(default=0)
