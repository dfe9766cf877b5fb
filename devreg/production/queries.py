"""Reading production licences, scoped to what the user may see."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select

from devreg.auth.roles import Role
from devreg.extensions import db
from devreg.production.models import ProductionLicence


def licences_visible_to(user) -> Select[tuple[ProductionLicence]]:  # type: ignore[no-untyped-def]
    query = select(ProductionLicence).order_by(ProductionLicence.number)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.REVIEWER:
        return query.where(ProductionLicence.province_code == user.jurisdiction)
    return query.where(ProductionLicence.organisation_id == user.organisation_id)


def get_licence_or_404(licence_id: int, user) -> ProductionLicence:  # type: ignore[no-untyped-def]
    licence = db.session.scalar(
        licences_visible_to(user).where(ProductionLicence.id == licence_id))
    if licence is None:
        abort(404)
    return licence


def find_by_number(number: str) -> ProductionLicence | None:
    return db.session.scalar(select(ProductionLicence).where(ProductionLicence.number == number))
