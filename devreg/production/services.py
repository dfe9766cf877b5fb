"""Writing production licences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence
from devreg.production.numbers import parse_licence_number
from devreg.production.queries import find_by_number
from devreg.reference.models import CatalogueCategory


@dataclass(frozen=True)
class LicenceData:
    number: str
    organisation_id: int
    valid_until: date
    scope_codes: tuple[str, ...]


def _apply(licence: ProductionLicence, data: LicenceData) -> None:
    parsed = parse_licence_number(data.number, current_year=date.today().year)
    if parsed is None:
        raise DomainError(_("Not a production licence number in the official format."))
    other = find_by_number(data.number)
    if other is not None and other is not licence:
        raise DomainError(_("This licence number is already recorded."))
    org = db.session.get(Organisation, data.organisation_id)
    if org is None or not org.is_manufacturer:
        raise DomainError(_("A production licence belongs to a manufacturer."))
    # Order 53: a manufacturer is licensed by its own province (DOMAIN.md section 9).
    if parsed.province_code != org.province_code:
        raise DomainError(_("The licence number's province abbreviation must be that of the "
                            "manufacturer's province, which issues its licence."))
    scope = list(db.session.scalars(
        select(CatalogueCategory).where(CatalogueCategory.code.in_(data.scope_codes))))
    if not scope:
        raise DomainError(_("Choose at least one subcategory."))
    licence.number = data.number.strip()
    licence.organisation_id = org.id
    licence.province_code = parsed.province_code
    licence.valid_until = data.valid_until
    licence.scope = scope


def create_licence(data: LicenceData) -> ProductionLicence:
    licence = ProductionLicence()
    _apply(licence, data)
    db.session.add(licence)
    db.session.flush()
    return licence


def update_licence(licence: ProductionLicence, data: LicenceData) -> None:
    _apply(licence, data)
