"""The Organisation aggregate."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from devreg.db import TimestampMixin
from devreg.extensions import db
from devreg.reference.models import Province

if TYPE_CHECKING:
    from devreg.auth.models import User


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        # a regulator is only a regulator; a company is a holder, a manufacturer or both
        CheckConstraint(
            "(is_regulator AND NOT is_holder AND NOT is_manufacturer) OR "
            "(NOT is_regulator AND (is_holder OR is_manufacturer))",
            name="kind",
        ),
    )
    audit_fields = ("name_zh", "name_en", "uscc", "province_code", "address", "is_holder",
                    "is_manufacturer", "is_regulator")

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    #: Unified Social Credit Code, validated with its check character
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("provinces.code"))
    address: Mapped[str] = mapped_column(String(300))
    is_holder: Mapped[bool] = mapped_column(default=False)
    is_manufacturer: Mapped[bool] = mapped_column(default=False)
    #: a provincial medical products administration; its province is its reviewers' jurisdiction
    is_regulator: Mapped[bool] = mapped_column(default=False)

    province: Mapped[Province] = relationship(lazy="joined")
    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def name(self) -> str:
        from devreg.reference.models import _is_chinese

        if self.name_en and not _is_chinese():
            return self.name_en
        return self.name_zh

    def __str__(self) -> str:
        return self.name
