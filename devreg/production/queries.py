"""Reading production licences, scoped to what the user may see."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, or_, select

from devreg.auth.roles import Role
from devreg.extensions import db
from devreg.production.models import (
    LicenceRenewal,
    NoCommissionEntry,
    ProductionLicence,
    ProductionSite,
    ScopeChangeRequest,
)


def licences_visible_to(user) -> Select[tuple[ProductionLicence]]:  # type: ignore[no-untyped-def]
    query = select(ProductionLicence).order_by(ProductionLicence.number)
    if user.role == Role.ADMIN:
        return query
    from devreg.arrangements.queries import licence_ids_linked_to

    linked = ProductionLicence.id.in_(licence_ids_linked_to(user))
    if user.role == Role.REVIEWER:
        return query.where(or_(ProductionLicence.province_code == user.jurisdiction, linked))
    return query.where(or_(ProductionLicence.organisation_id == user.organisation_id, linked))


def get_licence_or_404(licence_id: int, user) -> ProductionLicence:  # type: ignore[no-untyped-def]
    licence = db.session.scalar(
        licences_visible_to(user).where(ProductionLicence.id == licence_id))
    if licence is None:
        abort(404)
    return licence


def find_by_number(number: str) -> ProductionLicence | None:
    return db.session.scalar(select(ProductionLicence).where(ProductionLicence.number == number))


def scope_requests_for_licence(licence: ProductionLicence,
                               user) -> list[ScopeChangeRequest]:  # type: ignore[no-untyped-def]
    """The licence's scope-change requests the user may see: a party to an arrangement sees the
    licence page, but the manufacturer's requests to its regulator stay between those two."""
    return list(db.session.scalars(scope_requests_visible_to(user).where(
        ScopeChangeRequest.licence_id == licence.id)))


def scope_requests_visible_to(user) -> Select[tuple[ScopeChangeRequest]]:  # type: ignore[no-untyped-def]
    """Reviewers see requests on licences of their province; companies their own."""
    query = (select(ScopeChangeRequest).join(ProductionLicence)
             .order_by(ScopeChangeRequest.id.desc()))
    if user.role == Role.REVIEWER:
        return query.where(ProductionLicence.province_code == user.jurisdiction)
    if user.role == Role.ADMIN:
        return query
    return query.where(ProductionLicence.organisation_id == user.organisation_id)


def get_scope_request_or_404(request_id: int, user) -> ScopeChangeRequest:  # type: ignore[no-untyped-def]
    request = db.session.scalar(scope_requests_visible_to(user).where(
        ScopeChangeRequest.id == request_id))
    if request is None:
        abort(404)
    return request


def active_sites() -> list[ProductionSite]:
    """Every site on a licence, for the holder's proposal form (licences are public records)."""
    return list(db.session.scalars(select(ProductionSite).join(ProductionLicence).where(
        ProductionSite.is_active).order_by(ProductionLicence.province_code, ProductionSite.id)))


def renewals_of(licence: ProductionLicence) -> list[LicenceRenewal]:
    return list(db.session.scalars(select(LicenceRenewal).where(
        LicenceRenewal.licence_id == licence.id).order_by(LicenceRenewal.id.desc())))


def no_commission_entries() -> list[NoCommissionEntry]:
    return list(db.session.scalars(select(NoCommissionEntry).order_by(NoCommissionEntry.code)))


def no_commission_entry_for(category_code: str, device_name: str) -> NoCommissionEntry | None:
    """The 2022 No. 17 entry the device is, if any (same subcategory, name has the keyword)."""
    candidates = db.session.scalars(select(NoCommissionEntry).where(
        NoCommissionEntry.code.like(f"{category_code}%")).order_by(NoCommissionEntry.code))
    return next((e for e in candidates if e.matches(category_code, device_name)), None)
