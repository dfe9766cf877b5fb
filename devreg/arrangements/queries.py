"""Reading arrangements, scoped by organisation (companies) or province (regulators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import abort
from sqlalchemy import Select, false, func, or_, select

from devreg.arrangements.models import (
    AgreementReview,
    Arrangement,
    Notice,
    ProductionAddress,
    SupervisionAction,
)
from devreg.arrangements.states import ArrangementState
from devreg.auth.roles import Role
from devreg.extensions import db


def arrangements_visible_to(user) -> Select[tuple[Arrangement]]:  # type: ignore[no-untyped-def]
    """Holders and manufacturers see arrangements they are party to; a reviewer sees those that
    touch its province (holder's or site's), never those between two other provinces."""
    query = select(Arrangement).order_by(Arrangement.id.desc())
    if user.role in (Role.HOLDER, Role.MANUFACTURER):
        return query.where(or_(Arrangement.holder_org_id == user.organisation_id,
                               Arrangement.manufacturer_org_id == user.organisation_id))
    if user.role == Role.REVIEWER:
        return query.where(or_(Arrangement.holder_province_code == user.jurisdiction,
                               Arrangement.site_province_code == user.jurisdiction))
    return query.where(false())


def get_arrangement_or_404(arrangement_id: int, user) -> Arrangement:  # type: ignore[no-untyped-def]
    arrangement = db.session.scalar(
        arrangements_visible_to(user).where(Arrangement.id == arrangement_id))
    if arrangement is None:
        abort(404)
    return arrangement


def supervision_actions(arrangement: Arrangement) -> list[SupervisionAction]:
    return list(db.session.scalars(select(SupervisionAction).where(
        SupervisionAction.arrangement_id == arrangement.id).order_by(SupervisionAction.id)))


def notices_for(province_code: str, *, limit: int = 50) -> list[Notice]:
    """The notices told to the province, and the ones it wrote (with their read receipts)."""
    return list(db.session.scalars(select(Notice).where(
        or_(Notice.province_code == province_code,
            Notice.from_province_code == province_code)).order_by(Notice.id.desc())
        .limit(limit)))


def notice_count(province_code: str) -> int:
    return db.session.scalar(select(func.count(Notice.id)).where(
        Notice.province_code == province_code)) or 0


def cross_regional_matrix() -> dict[tuple[str, str], int]:
    """Active cross-regional arrangements counted by (holder province, site province)."""
    from devreg.orgs.models import Organisation
    from devreg.production.models import ProductionLicence, ProductionSite

    # the provinces as they are now: the holder's, and the site's licence's (never copied)
    holder, site = Organisation.province_code, ProductionLicence.province_code
    rows = db.session.execute(
        select(holder, site, func.count(Arrangement.id))
        .join(Organisation, Organisation.id == Arrangement.holder_org_id)
        .join(ProductionSite, ProductionSite.id == Arrangement.site_id)
        .join(ProductionLicence, ProductionLicence.id == ProductionSite.licence_id)
        .where(Arrangement.state == ArrangementState.ACTIVE.value, holder != site)
        .group_by(holder, site))
    return {(h, s): n for h, s, n in rows}


#: Arrangements that still relate the two companies, and so open the other party's device
#: certificate and licence page. A proposal the holder withdrew or the manufacturer declined never
#: became a relation, and an ended one is over: the arrangement page stays visible to its parties
#: as their record, but it opens nothing else (docs/rules.md "Accounts, sign-in and visibility").
LIVE_STATES = (ArrangementState.PROPOSED, ArrangementState.CONFIRMED, ArrangementState.ACTIVE,
               ArrangementState.SUSPENDED)


def _live_arrangements_visible_to(user) -> Select[tuple[Arrangement]]:  # type: ignore[no-untyped-def]
    return arrangements_visible_to(user).where(
        Arrangement.state.in_([state.value for state in LIVE_STATES]))


def device_ids_linked_to(user) -> Select[tuple[int]]:  # type: ignore[no-untyped-def]
    """Devices a live arrangement visible to the user links to: their certificates are visible
    to the manufacturer and to the other province's reviewer."""
    return (_live_arrangements_visible_to(user).with_only_columns(Arrangement.device_id)
            .order_by(None))


def licence_ids_linked_to(user) -> Select[tuple[int]]:  # type: ignore[no-untyped-def]
    """Licences used by live arrangements visible to the user."""
    from devreg.production.models import ProductionSite

    return (_live_arrangements_visible_to(user)
            .join(ProductionSite, ProductionSite.id == Arrangement.site_id)
            .with_only_columns(ProductionSite.licence_id).order_by(None))


def devices_without_active_site_query(holder_org_id: int) -> Select[tuple[Any]]:
    """The same devices as a query (for a page: count it, or take its first rows)."""
    from devreg.certificates.models import Certificate, CertificateStatus
    from devreg.registrations.models import Device

    return select(Device).where(
        Device.holder_org_id == holder_org_id,
        select(Certificate.id).where(
            Certificate.device_id == Device.id,
            Certificate.status == CertificateStatus.VALID.value).exists(),
        ~select(Arrangement.id).where(
            Arrangement.device_id == Device.id,
            Arrangement.state == ArrangementState.ACTIVE.value).exists())


def devices_without_active_site(holder_org_id: int) -> set[int]:
    """Registered (valid certificate) devices of the holder with no active production site."""
    from devreg.certificates.models import Certificate, CertificateStatus

    registered = set(db.session.scalars(select(Certificate.device_id).where(
        Certificate.holder_org_id == holder_org_id,
        Certificate.status == CertificateStatus.VALID.value)))
    active = set(db.session.scalars(select(Arrangement.device_id).where(
        Arrangement.holder_org_id == holder_org_id,
        Arrangement.state == ArrangementState.ACTIVE.value)))
    return registered - active


def arrangements_for_device(device_id: int) -> list[Arrangement]:
    """Every arrangement of a device: its current and past production sites."""
    return list(db.session.scalars(select(Arrangement).where(
        Arrangement.device_id == device_id).order_by(Arrangement.id)))


def arrangements_filed_by(application) -> list[Arrangement]:  # type: ignore[no-untyped-def]
    """The arrangements whose production address this change filing puts on the certificate
    (the link back from the filing to the arrangement)."""
    return list(db.session.scalars(select(Arrangement).where(
        Arrangement.change_filing_id == application.id).order_by(Arrangement.id)))


def feedback_clocks(province_code: str) -> tuple[list[SupervisionAction], list[SupervisionAction]]:
    """Open 10-working-day feedback clocks (2022 opinion): those the province owes, and those
    it awaits from the other province."""
    open_ = select(SupervisionAction).where(SupervisionAction.feedback_due.is_not(None),
                                            SupervisionAction.feedback_on.is_(None))
    owed = db.session.scalars(open_.where(SupervisionAction.province_code == province_code)
                              .order_by(SupervisionAction.feedback_due))
    awaited = db.session.scalars(open_.where(
        SupervisionAction.partner_province_code == province_code)
        .order_by(SupervisionAction.feedback_due))
    return list(owed), list(awaited)


def inspections_due(province_code: str) -> list[Notice]:
    """2024-38 §16 reports that land in the holder's province's queue as "inspection due"."""
    return list(db.session.scalars(select(Notice).where(
        Notice.province_code == province_code, Notice.kind == "inspection_due")
        .order_by(Notice.id.desc())))


def current_addresses(certificate) -> list[ProductionAddress]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(ProductionAddress).where(
        ProductionAddress.certificate_id == certificate.id,
        ProductionAddress.valid_to.is_(None)).order_by(ProductionAddress.id)))


def authorised_on(certificate, day) -> list[tuple[ProductionAddress, object]]:  # type: ignore[no-untyped-def]
    """Which manufacturer was authorised to make the certificate's device on ``day``: every
    address record in force that day, with its manufacturer (the holder for an address not
    linked to a commissioned arrangement)."""
    rows = db.session.scalars(select(ProductionAddress).where(
        ProductionAddress.certificate_id == certificate.id,
        ProductionAddress.valid_from <= day,
        or_(ProductionAddress.valid_to.is_(None), ProductionAddress.valid_to >= day))
        .order_by(ProductionAddress.id))
    return [(row, row.arrangement.manufacturer if row.arrangement else certificate.holder)
            for row in rows]


@dataclass(frozen=True)
class ReviewDue:
    arrangement: Arrangement
    audit_due: date
    review_due: date

    def overdue(self, today: date) -> bool:
        return min(self.audit_due, self.review_due) < today


def review_dues(arrangements: list[Arrangement]) -> list[ReviewDue]:
    """When the holder's next yearly audit of the manufacturer and agreement review are due
    (2022 No. 20; 2024-38 §5): a year (REVIEW_INTERVAL_MONTHS) after the last one recorded, or
    after the planned start when none is. One query for all the arrangements."""
    from dateutil.relativedelta import relativedelta
    from flask import current_app

    commissioned = [a for a in arrangements if not a.is_self_manufacture]
    if not commissioned:
        return []
    last = {(aid, kind): day for aid, kind, day in db.session.execute(
        select(AgreementReview.arrangement_id, AgreementReview.kind,
               func.max(AgreementReview.done_on))
        .where(AgreementReview.arrangement_id.in_([a.id for a in commissioned]))
        .group_by(AgreementReview.arrangement_id, AgreementReview.kind))}
    step = relativedelta(months=current_app.config["REVIEW_INTERVAL_MONTHS"])
    return [ReviewDue(a, last.get((a.id, "audit"), a.planned_start) + step,
                      last.get((a.id, "review"), a.planned_start) + step)
            for a in commissioned]


def live_commissioned(query: Select[tuple[Arrangement]],
                      limit: int | None = None) -> list[Arrangement]:
    query = query.where(
        Arrangement.is_self_manufacture.is_(False),
        Arrangement.state.in_([ArrangementState.CONFIRMED.value, ArrangementState.ACTIVE.value,
                               ArrangementState.SUSPENDED.value]))
    return list(db.session.scalars(query.limit(limit) if limit else query))


def reviews_of(arrangement: Arrangement) -> list[AgreementReview]:
    return list(db.session.scalars(select(AgreementReview).where(
        AgreementReview.arrangement_id == arrangement.id).order_by(AgreementReview.done_on.desc())))
