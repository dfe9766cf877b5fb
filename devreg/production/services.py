"""Writing production licences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from devreg.audit.services import label_next_change
from devreg.auth.models import User
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.models import Organisation
from devreg.permissions import authorize
from devreg.production.models import (
    ProductionLicence,
    ProductionSite,
    ScopeChangeRequest,
    ScopeChangeState,
)
from devreg.production.numbers import parse_licence_number
from devreg.production.queries import find_by_number
from devreg.reference.models import CatalogueCategory
from devreg.signatures.services import sign, verify_signer
from devreg.uniqueness import unique_or_refuse


@dataclass(frozen=True)
class LicenceData:
    number: str
    organisation_id: int
    valid_until: date
    scope_codes: tuple[str, ...]


def _apply(licence: ProductionLicence, data: LicenceData) -> None:
    parsed = parse_licence_number(data.number, current_year=china_today().year)
    if parsed is None:
        raise DomainError(_("Not a production licence number in the official format."))
    other = find_by_number(data.number)
    if other is not None and other is not licence:
        raise DomainError(_("This licence number is already recorded."))
    org = db.session.get(Organisation, data.organisation_id)
    if org is None or not org.is_manufacturer:
        raise DomainError(_("A production licence belongs to a manufacturer."))
    # Order 53: a manufacturer is licensed by its own province (Order 53 Art 4, 18).
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


# --- sites and scope changes (licence changes are decided by the licensing province) --------

def add_site(licence: ProductionLicence, address: str) -> ProductionSite:
    address = (address or "").strip()
    if not address:
        raise DomainError(_("Enter the production address."))
    if any(site.address == address for site in licence.sites):
        raise DomainError(_("This address is already on the licence."))
    site = ProductionSite(licence_id=licence.id, address=address)
    db.session.add(site)
    licence.sites.append(site)
    db.session.flush()
    return site


def request_scope_change(licence: ProductionLicence, *, actor: User, codes: list[str],
                         new_site_address: str | None, reason: str) -> ScopeChangeRequest:
    """The manufacturer asks to add catalogue codes and/or a production site."""
    authorize(actor, "production.request_scope_change", licence)
    # a field left with spaces is no site (approval would put a blank address on the licence)
    new_site_address = (new_site_address or "").strip() or None
    added = sorted(set(codes) - set(licence.scope_codes))
    if not added and not new_site_address:
        raise DomainError(_("Choose at least one new subcategory or enter a new site."))
    if not reason:
        raise DomainError(_("Explain the request."))
    pending = db.session.scalar(select(ScopeChangeRequest).where(
        ScopeChangeRequest.licence_id == licence.id,
        ScopeChangeRequest.state == ScopeChangeState.PENDING.value))
    if pending is not None:
        raise DomainError(_("A scope change request for this licence is already pending."))
    request = ScopeChangeRequest(licence_id=licence.id, added_codes=added,
                                 new_site_address=new_site_address or None, reason=reason,
                                 requested_by_id=actor.id)
    db.session.add(request)
    with unique_or_refuse(_("A scope change request for this licence is already pending."),
                          "uq_scope_change_requests_pending"):
        db.session.flush()
    return request


def decide_scope_change(request: ScopeChangeRequest, *, actor: User, password: str,
                        approve: bool, reason: str, today: date) -> None:
    """E-signed by a reviewer of the licence's province; approval changes the licence."""
    authorize(actor, "production.decide_scope_change", request.licence)
    if request.state != ScopeChangeState.PENDING:
        raise DomainError(_("This request has already been decided."))
    if not approve and not reason:
        raise DomainError(_("State the reasons for rejecting."))
    verify_signer(actor, password)  # before any write (see verify_signer)
    request.state = (ScopeChangeState.APPROVED if approve else ScopeChangeState.REJECTED).value
    request.decided_by_id = actor.id
    request.decided_on = today
    request.decision_reason = reason or None
    label_next_change(request, "approve" if approve else "reject")
    sign(request, signer=actor, password=password, meaning="approved" if approve else "refused",
         content={"licence": request.licence.number, "codes": request.added_codes,
                  "site": request.new_site_address, "approve": approve,
                  "reason": reason or ""})
    if approve:
        licence = request.licence
        licence.scope = [*licence.scope, *db.session.scalars(select(CatalogueCategory).where(
            CatalogueCategory.code.in_(request.added_codes)))]
        label_next_change(licence, "scope_change")
        if request.new_site_address:
            add_site(licence, request.new_site_address)
