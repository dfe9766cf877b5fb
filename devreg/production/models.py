"""Production licences (医疗器械生产许可证) and their catalogue scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    audit_fields = ("number", "organisation_id", "province_code", "valid_until", "scope")

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: the issuing province, derived from the number's abbreviation
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    valid_until: Mapped[date] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    province: Mapped[Province] = relationship(lazy="joined")
    scope: Mapped[list[CatalogueCategory]] = relationship(
        secondary=licence_scope, order_by=CatalogueCategory.code, lazy="selectin"
    )

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
