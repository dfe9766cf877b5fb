"""Production licences (医疗器械生产许可证) and their catalogue scope."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.auth.models import User
from devreg.db import TimestampMixin
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.reference.models import CatalogueCategory, Province

licence_scope = Table(
    "licence_scope",
    db.metadata,
    Column("licence_id", ForeignKey("production_licences.id", ondelete="CASCADE"),
           primary_key=True),
    Column("category_code", ForeignKey("catalogue_categories.code"), primary_key=True),
)


class ProductionLicence(TimestampMixin, db.Model):
    __tablename__ = "production_licences"
    __table_args__ = (
        # Order 53 Art 4, 18: one licence per province where the company has sites, issued by
        # that province (a company may hold licences from several provinces)
        UniqueConstraint("organisation_id", "province_code", name="uq_licence_org_province"),
    )
    audit_fields = ("number", "organisation_id", "province_code", "valid_from", "valid_until",
                    "scope")

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: the issuing province: the province where the licence's production sites are (Order 53
    #: Art 4, 18), which need not be the company's registered province; the number's
    #: abbreviation must be this province's
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"), index=True)
    #: first day of the current validity period (moved by a renewal, Order 53 Art 17); None for
    #: licences recorded before renewals were tracked
    valid_from: Mapped[date | None] = mapped_column()
    valid_until: Mapped[date] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    province: Mapped[Province] = relationship(lazy="joined")
    scope: Mapped[list[CatalogueCategory]] = relationship(
        secondary=licence_scope, order_by=CatalogueCategory.code, lazy="selectin"
    )
    sites: Mapped[list[ProductionSite]] = relationship(
        back_populates="licence", order_by="ProductionSite.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def scope_codes(self) -> list[str]:
        return [c.code for c in self.scope]

    def covers(self, category_code: str) -> bool:
        return category_code in self.scope_codes

    def is_valid_on(self, day: date) -> bool:
        return day <= self.valid_until

    def __str__(self) -> str:
        return self.number


class ProductionSite(TimestampMixin, db.Model):
    """A production address listed on a licence; its province is the licence's province."""

    __tablename__ = "production_sites"
    audit_fields = ("licence_id", "address", "is_active")

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("production_licences.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(default=True)

    licence: Mapped[ProductionLicence] = relationship(back_populates="sites", lazy="joined")

    @property
    def province_code(self) -> str:
        return self.licence.province_code

    @property
    def organisation_id(self) -> int:
        return self.licence.organisation_id

    def __str__(self) -> str:
        return self.address


class LicenceRenewal(db.Model):
    """A renewal (延续) of a licence, Order 53 Art 17: same number, a new validity period."""

    __tablename__ = "licence_renewals"
    audit_fields = ("licence_id", "applied_on", "approved_on", "previous_valid_until",
                    "valid_from", "valid_until")

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("production_licences.id"), index=True)
    applied_on: Mapped[date] = mapped_column()
    approved_on: Mapped[date] = mapped_column()
    previous_valid_until: Mapped[date] = mapped_column()
    valid_from: Mapped[date] = mapped_column()
    valid_until: Mapped[date] = mapped_column()
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    licence: Mapped[ProductionLicence] = relationship()
    recorded_by: Mapped[User] = relationship()


class ScopeChangeState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ScopeChangeRequest(TimestampMixin, db.Model):
    """A manufacturer asks its licensing province to add catalogue codes and/or a site."""

    __tablename__ = "scope_change_requests"
    # one pending scope change per licence (issue 8 item 3)
    __table_args__ = (
        Index("uq_scope_change_requests_pending", "licence_id", unique=True,
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )
    audit_fields = ("licence_id", "state", "added_codes", "new_site_address", "reason",
                    "decision_reason", "decided_by_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(ForeignKey("production_licences.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=ScopeChangeState.PENDING.value)
    version: Mapped[int] = mapped_column(default=1)
    added_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    new_site_address: Mapped[str | None] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date | None] = mapped_column()
    decision_reason: Mapped[str | None] = mapped_column(Text)

    licence: Mapped[ProductionLicence] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}


class NoCommissionEntry(TimestampMixin, db.Model):
    """An entry of the list of devices that may not be commissioned (禁止委托生产医疗器械目录,
    NMPA 2022 No. 17), maintained by administrators. It blocks commissioning of a device of its
    subcategory whose name contains its keyword."""

    __tablename__ = "no_commission_entries"
    audit_fields = ("code", "name", "keyword")

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the 2017 catalogue code printed on the list, e.g. 12-01-01 or 13-07
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: what a device's name must contain to be this product, e.g. 心脏起搏器
    keyword: Mapped[str] = mapped_column(String(100))

    @property
    def category_code(self) -> str:
        return self.code[:2]

    def matches(self, category_code: str, device_name: str) -> bool:
        return category_code == self.category_code and self.keyword in device_name
