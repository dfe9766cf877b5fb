"""Reference rows: provinces and catalogue subcategories. Loaded by the first migration."""

from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from devreg.extensions import db


def _is_chinese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


class Province(db.Model):
    __tablename__ = "provinces"

    #: two-digit administrative division code, e.g. "13" for Hebei
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(40))
    #: one-character abbreviation printed on certificates and licences, e.g. 冀
    abbreviation: Mapped[str] = mapped_column(String(1), unique=True)

    @property
    def name(self) -> str:
        return self.name_zh if _is_chinese() else self.name_en

    def __str__(self) -> str:
        return self.name


class CatalogueCategory(db.Model):
    __tablename__ = "catalogue_categories"

    #: "01".."22" from the 2017 catalogue, or "40" for IVD reagents
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(60))

    @property
    def name(self) -> str:
        return self.name_zh if _is_chinese() else self.name_en

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    def __str__(self) -> str:
        return self.label
