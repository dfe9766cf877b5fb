"""Read-only access to the reference tables."""

from __future__ import annotations

from sqlalchemy import select

from devreg.extensions import db
from devreg.reference.models import CatalogueCategory, Province


def all_provinces() -> list[Province]:
    return list(db.session.scalars(select(Province).order_by(Province.code)))


def all_categories() -> list[CatalogueCategory]:
    return list(db.session.scalars(select(CatalogueCategory).order_by(CatalogueCategory.code)))


def province_choices() -> list[tuple[str, str]]:
    return [(p.code, f"{p.name} ({p.abbreviation})") for p in all_provinces()]


def category_choices() -> list[tuple[str, str]]:
    return [(c.code, c.label) for c in all_categories()]
