"""What each role's home page shows. Later domains add their own sections here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, select

from devreg.arrangements.queries import cross_regional_matrix, devices_without_active_site_query
from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.certificates.queries import certificates_visible_to
from devreg.certificates.services import RENEWAL_LEAD, renewal_deadline
from devreg.clock import china_today
from devreg.extensions import db
from devreg.listing import count_together
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence
from devreg.production.queries import licences_visible_to
from devreg.reference.queries import all_provinces
from devreg.registrations.clock_pages import clock_condition, clocks_for, due_order
from devreg.registrations.clocks import Clock
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.lists import ROW_LOADING
from devreg.registrations.models import Application, Device
from devreg.registrations.queries import applications_visible_to
from devreg.registrations.states import OPEN_STATES, ApplicationState
from devreg.review.queries import (
    QUEUES,
    overdue_condition,
    queue_query,
    queue_rows,
    user_queues,
)

S = ApplicationState
#: a holder is reminded of a renewal whose deadline falls within this period
RENEWAL_NOTICE = relativedelta(months=3)
#: rows of each to-do list shown on a home page (its full list has them all)
HOME_TOP = 10
#: states in which the next step is the holder's
HOLDER_TURN = (S.DRAFT, S.CORRECTION_REQUESTED, S.SUPPLEMENT_REQUESTED)
_OPEN_FOR_HOLDER = [S.DRAFT.value, *(s.value for s in OPEN_STATES)]


def home_context(user: User) -> dict[str, Any]:
    """Counts and the first HOME_TOP rows of each to-do list, each linking to its full,
    filtered list: a constant number of statements whatever the data size."""
    context: dict[str, Any] = {"top": HOME_TOP}
    today = china_today()
    # every tile's count in one statement; each section adds the queries it counts
    counted: dict[str, Select] = {}  # type: ignore[type-arg]
    if user.role in (Role.MANUFACTURER, Role.HOLDER, Role.REVIEWER):
        licences = licences_visible_to(user)
        counted["licence_count"] = licences
        context["licences"] = db.session.scalars(licences.limit(HOME_TOP)).all()
    if user.role == Role.HOLDER:
        context.update(_holder(user, today, counted))
        context["devices_without_site"] = db.session.scalars(
            devices_without_active_site_query(user.organisation_id)
            .order_by(Device.name).limit(HOME_TOP)).all()
    if user.role == Role.MANUFACTURER:
        # the certificates of the products it makes for holders (through their arrangements)
        certificates = certificates_visible_to(user)
        counted["certificate_count"] = certificates
        context["certificates"] = db.session.scalars(certificates.limit(HOME_TOP)).all()
        # issue 13: the proposals waiting for its signed confirmation (or decline)
        from devreg.arrangements.models import Arrangement
        from devreg.arrangements.states import ArrangementState

        proposals = select(Arrangement).where(
            Arrangement.manufacturer_org_id == user.organisation_id,
            Arrangement.state == ArrangementState.PROPOSED.value).order_by(Arrangement.id)
        counted["proposal_count"] = proposals
        context["proposals"] = db.session.scalars(proposals.limit(HOME_TOP)).all()
    if user.role in (Role.MANUFACTURER, Role.HOLDER) and user.organisation_id:
        context["self_inspection_due"] = _self_inspection_due(user, today)
        # the holder's yearly audit and agreement review, on both parties' home pages
        from devreg.arrangements.queries import (
            arrangements_visible_to,
            live_commissioned,
            review_dues,
        )

        context["review_dues"] = review_dues(live_commissioned(
            arrangements_visible_to(user), limit=HOME_TOP))
    if user.role == Role.REVIEWER:
        context.update(_reviewer(user, today, counted))
        from devreg.reports.queries import late_count

        context["self_inspection_late"] = late_count(user.jurisdiction, today)
        context["matrix"] = cross_regional_matrix()
        context["provinces"] = all_provinces()
    if user.role == Role.ADMIN:
        counted.update({
            "admin:organisations": select(Organisation.id),
            "admin:users": select(User.id),
            "admin:licences": select(ProductionLicence.id),
            "admin:open_applications": select(Application.id).where(
                Application.state.in_([s.value for s in OPEN_STATES])),
            "admin:valid_certificates": select(Certificate.id).where(
                Certificate.status == CertificateStatus.VALID.value),
        })
    counts = count_together(counted)
    # plain keys are the template's counts; "admin:" and "<queue>:" keys are grouped below
    context.update({key: value for key, value in counts.items() if ":" not in key})
    if user.role == Role.ADMIN:
        context["counts"] = {key.removeprefix("admin:"): value for key, value in counts.items()
                             if key.startswith("admin:")}
    if user.role == Role.REVIEWER:
        for queue in context["queues"]:
            queue.fill(counts)
        context["overdue_count"] = sum(q.overdue for q in context["queues"])
    return context


# --- reports (Order 53 Art 45) ----------------------------------------------------------------

@dataclass(frozen=True)
class ReportDue:
    year: int
    due: date
    late: bool


def _self_inspection_due(user: User, today: date) -> ReportDue | None:
    """The report on last year, while it is not filed."""
    from devreg.reports.models import SelfInspectionReport, report_due

    year = today.year - 1
    filed = db.session.scalar(select(SelfInspectionReport.id).where(
        SelfInspectionReport.organisation_id == user.organisation_id,
        SelfInspectionReport.year == year))
    if filed is not None:
        return None
    return ReportDue(year, report_due(year), today > report_due(year))


# --- holder ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    #: the last day to apply for renewal, when it falls within RENEWAL_NOTICE (or has passed
    #: while the certificate is still valid); None otherwise
    renewal_deadline: date | None
    renewal_closed: bool  # the deadline has passed: a renewal would be refused (不予延续)
    renewal_applied: bool  # an open renewal application exists


def _holder(user: User, today: date,
            counted: dict[str, Select]) -> dict[str, Any]:  # type: ignore[type-arg]
    org_id = user.organisation_id
    open_query = applications_visible_to(user).where(Application.state.in_(_OPEN_FOR_HOLDER))
    turn_query = applications_visible_to(user).where(
        Application.state.in_([s.value for s in HOLDER_TURN]))
    # the two to-do lists overlap: their ids first, then their rows in one load
    open_ids, turn_ids = (list(db.session.scalars(
        query.with_only_columns(Application.id).order_by(None).order_by(*due_order())
        .limit(HOME_TOP))) for query in (open_query, turn_query))
    loaded = {a.id: a for a in db.session.scalars(select(Application).options(*ROW_LOADING)
                                                   .where(Application.id.in_(
                                                       {*open_ids, *turn_ids} or {0})))}
    rows = clocks_for([loaded[i] for i in open_ids], today)
    turn = clocks_for([loaded[i] for i in turn_ids], today)
    province = user.organisation.province_code if user.organisation else None
    counted["open_count"] = open_query
    counted["holder_turn_count"] = turn_query
    counted["overdue_count"] = (open_query.where(Application.id.is_(None)) if province is None
                                else open_query.where(clock_condition("overdue", province,
                                                                      today)))

    # the certificates whose renewal window is open, closing or closed: valid ones whose last
    # day to apply falls within RENEWAL_NOTICE (or has passed), soonest first
    holder_certificates = certificates_visible_to(user).where(
        Certificate.holder_org_id == org_id)
    counted["certificate_count"] = holder_certificates
    attention = holder_certificates.where(
        Certificate.status == CertificateStatus.VALID.value,
        Certificate.valid_until <= today + RENEWAL_NOTICE + RENEWAL_LEAD + timedelta(days=3),
    ).order_by(None).order_by(Certificate.valid_until, Certificate.id)
    certificates = db.session.scalars(attention.limit(HOME_TOP)).all()
    renewing = set(db.session.scalars(select(Application.certificate_id).where(
        Application.holder_org_id == org_id,
        Application.kind == ApplicationKind.RENEWAL.value,
        Application.state.in_(_OPEN_FOR_HOLDER),
        Application.certificate_id.in_([c.id for c in certificates] or [0]))))
    certificate_rows = []
    for certificate in certificates:
        deadline = renewal_deadline(certificate)
        if deadline > today + RENEWAL_NOTICE:  # the SQL bound is a month-arithmetic estimate
            continue
        certificate_rows.append(CertificateRow(
            certificate, deadline, renewal_closed=deadline < today,
            renewal_applied=certificate.id in renewing))
    return {
        "application_rows": rows,
        "holder_turn": turn,
        "certificate_rows": certificate_rows,
        "renewals_due": [r for r in certificate_rows if not r.renewal_closed
                         and not r.renewal_applied],
    }


# --- reviewer --------------------------------------------------------------------------------

@dataclass
class QueueSummary:
    key: str
    title: str
    #: the first HOME_TOP rows in working order
    preview: list[tuple[Application, Clock | None]]
    count: int = 0
    overdue: int = 0
    due_soon: int = 0
    assigned_to_me: int | None = None  # the review queue only

    def fill(self, counts: dict[str, int]) -> None:
        """Take this queue's numbers from the page's single counting statement."""
        self.count = counts[f"{self.key}:count"]
        self.overdue = counts[f"{self.key}:overdue"]
        self.due_soon = counts[f"{self.key}:due_soon"]
        if self.key == "review":
            self.assigned_to_me = counts[f"{self.key}:mine"]


def _reviewer(user: User, today: date,
              counted: dict[str, Select]) -> dict[str, Any]:  # type: ignore[type-arg]
    queues = []
    for key in user_queues(user):
        query = queue_query(user, key)
        counted[f"{key}:count"] = query
        counted[f"{key}:overdue"] = query.where(overdue_condition(user, "overdue", today))
        counted[f"{key}:due_soon"] = query.where(overdue_condition(user, "due_soon", today))
        if key == "review":
            counted[f"{key}:mine"] = query.where(Application.assigned_reviewer_id == user.id)
        queues.append(QueueSummary(key, str(QUEUES[key][0]),
                                   preview=queue_rows(user, key, today, limit=HOME_TOP)))
    return {"queues": queues}
