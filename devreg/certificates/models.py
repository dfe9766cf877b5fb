"""Certificates (医疗器械注册证), their change history, and number counters."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
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
    audit_fields = ("number", "status", "valid_from", "valid_until", "holder_name",
                    "holder_address", "production_address", "device_name", "model_spec",
                    "structure", "intended_use")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: e.g. 冀械注准20262070001; kept on renewal
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=CertificateStatus.VALID.value)
    version: Mapped[int] = mapped_column(default=1)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    holder_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    #: the initial application; later applications point here through certificate_id.
    #: Always set by issue_certificate; nullable (and use_alter) because the two tables point
    #: at each other, so a restore inserts certificates first and fills this in afterwards.
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id",
                                                                  use_alter=True))
    first_year: Mapped[int] = mapped_column()
    serial: Mapped[int] = mapped_column()
    category_code: Mapped[str] = mapped_column(ForeignKey("catalogue_categories.code"))
    approved_on: Mapped[date] = mapped_column()
    valid_from: Mapped[date] = mapped_column()
    #: the last valid day
    valid_until: Mapped[date] = mapped_column()
    # registration items printed on the certificate (copied, then changed by later applications)
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_address: Mapped[str] = mapped_column(String(300))
    production_address: Mapped[str] = mapped_column(Text)
    device_name: Mapped[str] = mapped_column(String(200))
    model_spec: Mapped[str] = mapped_column(Text)
    structure: Mapped[str] = mapped_column(Text)
    intended_use: Mapped[str] = mapped_column(Text)
    approver_signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))

    device: Mapped[Device] = relationship(lazy="joined")
    holder: Mapped[Organisation] = relationship(lazy="joined")
    changes: Mapped[list[CertificateChange]] = relationship(
        back_populates="certificate", order_by="CertificateChange.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_enum(self) -> CertificateStatus:
        return CertificateStatus(self.status)

    def is_valid_on(self, day: date) -> bool:
        # from the first approval, not from valid_from: a renewal moves valid_from to the day
        # after the old last valid day, and the old period still counts until then
        return (self.status == CertificateStatus.VALID
                and self.approved_on <= day <= self.valid_until)

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
