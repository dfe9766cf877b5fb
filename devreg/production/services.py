"""Writing production licences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from devreg import events
from devreg.audit.services import label_next_change
from devreg.auth.models import User
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.models import Organisation
from devreg.permissions import authorize
from devreg.production.models import (
    LicenceRenewal,
    NoCommissionEntry,
    ProductionLicence,
    ProductionSite,
    ScopeChangeRequest,
    ScopeChangeState,
)
from devreg.production.numbers import parse_licence_number
from devreg.production.queries import find_by_number
from devreg.reference.models import CatalogueCategory, Province
from devreg.signatures.services import sign, verify_signer
from devreg.uniqueness import unique_or_refuse


@dataclass(frozen=True)
class LicenceData:
    number: str
    organisation_id: int
    valid_until: date
    scope_codes: tuple[str, ...]
    #: the issuing province (where the sites are); None: the one the number names
    province_code: str | None = None


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
    # Order 53 Art 4, 18: the licence is issued by the province where the production site is,
    # not the company's registered province: the number's abbreviation is the issuing province's
    issuing = data.province_code or parsed.province_code
    if parsed.province_code != issuing:
        province = db.session.get(Province, issuing)
        raise DomainError(_("The licence number's abbreviation must be that of the issuing "
                            "province (%(province)s, %(abbr)s), where the production sites "
                            "are.", province=province.name if province else issuing,
                            abbr=province.abbreviation if province else "?"))
    # Order 53 Art 18: one licence per province where the company has production sites
    same_province = db.session.scalar(select(ProductionLicence).where(
        ProductionLicence.organisation_id == org.id,
        ProductionLicence.province_code == issuing))
    if same_province is not None and same_province is not licence:
        raise DomainError(_("This manufacturer already holds a licence from this province "
                            "(%(number)s): add the site to it instead.",
                            number=same_province.number))
    scope = list(db.session.scalars(
        select(CatalogueCategory).where(CatalogueCategory.code.in_(data.scope_codes))))
    if not scope:
        raise DomainError(_("Choose at least one subcategory."))
    licence.number = data.number.strip()
    licence.organisation_id = org.id
    licence.province_code = issuing
    licence.valid_until = data.valid_until
    licence.scope = scope


def _flush_licence(licence: ProductionLicence) -> None:
    """The unique indexes (number; organisation and province) decide a race between two
    administrators: the loser gets the message the check gives."""
    # the messages are made before the flush: after a failed flush the session cannot even
    # read the user's language; the caller rolls the whole request back
    same_province = _("This manufacturer already holds a licence from this province: add the "
                      "site to it instead.")
    same_number = _("This licence number is already recorded.")
    db.session.add(licence)
    try:
        db.session.flush()
    except IntegrityError as error:
        if "uq_licence_org_province" in str(error.orig) or "province_code" in str(error.orig):
            raise DomainError(same_province) from error
        raise DomainError(same_number) from error


def create_licence(data: LicenceData) -> ProductionLicence:
    licence = ProductionLicence()
    _apply(licence, data)
    _flush_licence(licence)
    return licence


def update_licence(licence: ProductionLicence, data: LicenceData) -> None:
    _apply(licence, data)
    _flush_licence(licence)


# --- renewal (Order 53 Art 17) ---------------------------------------------------------------

#: Order 53 Art 17: apply between 90 and 30 working days before the licence expires
RENEWAL_EARLIEST_WORKING_DAYS = 90
RENEWAL_LATEST_WORKING_DAYS = 30


def renewal_window(licence: ProductionLicence) -> tuple[date, date]:
    """The first and the last day on which a renewal may be applied for (Order 53 Art 17):
    counted back in the issuing province's working days from the last valid day."""
    from devreg.workdays.queries import calendar_for

    calendar = calendar_for(licence.province_code)

    def back(n: int) -> date:
        # the latest day d with at least n working days after d up to the last valid day
        day = licence.valid_until
        while calendar.working_days_between(day, licence.valid_until) < n:
            day -= timedelta(days=1)
        return day

    return back(RENEWAL_EARLIEST_WORKING_DAYS), back(RENEWAL_LATEST_WORKING_DAYS)


def renew_licence(licence: ProductionLicence, *, actor: User, applied_on: date,
                  approved_on: date) -> LicenceRenewal:
    """The issuing province renewed the licence: the number is kept (Art 17 ¶3) and the new
    period starts the day after the old expiry when approved within the old validity, else on
    the approval date (Art 17 ¶4). Every arrangement flagged for this licence's expiry is
    cleared."""
    authorize(actor, "production.manage_licences", licence)
    earliest, latest = renewal_window(licence)
    # Art 17 ¶1: applied outside the window, the renewal is not accepted
    if applied_on < earliest or applied_on > latest:
        raise DomainError(_("A renewal must be applied for between %(earliest)s and %(latest)s "
                            "(90 to 30 working days before the licence expires on %(until)s).",
                            earliest=earliest.isoformat(), latest=latest.isoformat(),
                            until=licence.valid_until.isoformat()))
    if approved_on < applied_on:
        raise DomainError(_("The approval cannot be before the application."))
    previous = licence.valid_until
    start = previous + timedelta(days=1) if approved_on <= previous else approved_on
    end = _add_years(start, current_app.config["LICENCE_VALIDITY_YEARS"]) - timedelta(days=1)
    renewal = LicenceRenewal(licence_id=licence.id, applied_on=applied_on,
                             approved_on=approved_on, previous_valid_until=previous,
                             valid_from=start, valid_until=end, recorded_by_id=actor.id)
    db.session.add(renewal)
    licence.valid_from = start
    licence.valid_until = end
    label_next_change(licence, "renewal")
    db.session.flush()
    from devreg.arrangements.services import clear_licence_expired_flags

    clear_licence_expired_flags(licence, today=approved_on)
    return renewal


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


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
    events.scope_change_requested.send(request, actor=actor)
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
    events.scope_change_decided.send(request, actor=actor, approved=approve)


# --- the 2022 No. 17 list (admin-maintained) --------------------------------------------------

_LIST_CODE = re.compile(r"^[0-9]{2}(-[0-9]{2}){0,2}$")


def add_no_commission_entry(*, actor: User, code: str, name: str,
                            keyword: str) -> NoCommissionEntry:
    authorize(actor, "production.manage_licences")
    code, name, keyword = (code or "").strip(), (name or "").strip(), (keyword or "").strip()
    if not _LIST_CODE.match(code) or db.session.get(CatalogueCategory, code[:2]) is None:
        raise DomainError(_("Enter the catalogue code as printed on the list, e.g. 12-01-01."))
    if not name or not keyword:
        raise DomainError(_("Enter the product name and the keyword a device name must "
                            "contain."))
    entry = NoCommissionEntry(code=code, name=name, keyword=keyword)
    taken = _("This code is already on the list.")  # made before a failed flush
    db.session.add(entry)
    try:
        db.session.flush()  # the unique code decides a race; the caller rolls back
    except IntegrityError as error:
        raise DomainError(taken) from error
    return entry


def load_no_commission_list() -> int:
    """Add the entries of the published 2022 No. 17 list that are not on the list yet (by code);
    through the ORM, so the audit trail records each one. Returns how many were added."""
    from devreg.production.no_commission import NO_COMMISSION_LIST

    known = set(db.session.scalars(select(NoCommissionEntry.code)))
    added = [NoCommissionEntry(code=code, name=name, keyword=keyword)
             for code, name, keyword in NO_COMMISSION_LIST if code not in known]
    db.session.add_all(added)
    db.session.flush()
    return len(added)


def remove_no_commission_entry(entry: NoCommissionEntry, *, actor: User) -> None:
    authorize(actor, "production.manage_licences")
    db.session.delete(entry)
    db.session.flush()
