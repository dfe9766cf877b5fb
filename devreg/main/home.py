"""What each role's home page shows. Later domains add their own sections here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from devreg.arrangements.queries import cross_regional_matrix, devices_without_active_site
from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.certificates.queries import certificates_visible_to
from devreg.certificates.services import renewal_deadline
from devreg.clock import china_today
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence
from devreg.production.queries import licences_visible_to
from devreg.reference.queries import all_provinces
from devreg.registrations.clock_pages import clocks_for
from devreg.registrations.clocks import Clock
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, Device
from devreg.registrations.queries import applications_visible_to
from devreg.registrations.states import OPEN_STATES, ApplicationState
from devreg.review.queries import QUEUES, queue_rows

S = ApplicationState
#: a holder is reminded of a renewal whose deadline falls within this period
RENEWAL_NOTICE = relativedelta(months=3)
#: rows of each reviewer queue shown on the home page (the queue page has them all)
QUEUE_PREVIEW = 5
#: states in which the next step is the holder's
HOLDER_TURN = (S.DRAFT, S.CORRECTION_REQUESTED, S.SUPPLEMENT_REQUESTED)
_OPEN_FOR_HOLDER = [S.DRAFT.value, *(s.value for s in OPEN_STATES)]


def home_context(user: User) -> dict[str, Any]:
    context: dict[str, Any] = {}
    today = china_today()
    if user.role in (Role.MANUFACTURER, Role.HOLDER, Role.REVIEWER):
        context["licences"] = db.session.scalars(licences_visible_to(user)).all()
    if user.role == Role.HOLDER:
        context.update(_holder(user, today))
        # registered devices that no active arrangement makes (DOMAIN.md section 9)
        without_site = devices_without_active_site(user.organisation_id)
        context["devices_without_site"] = db.session.scalars(
            select(Device).where(Device.id.in_(without_site)).order_by(Device.name)).all()
    if user.role == Role.MANUFACTURER:
        # the certificates of the products it makes for holders (through their arrangements)
        context["certificates"] = db.session.scalars(certificates_visible_to(user)).all()
    if user.role == Role.REVIEWER:
        context.update(_reviewer(user, today))
        context["matrix"] = cross_regional_matrix()
        context["provinces"] = all_provinces()
    if user.role == Role.ADMIN:
        context["counts"] = {
            "organisations": db.session.scalar(select(func.count(Organisation.id))),
            "users": db.session.scalar(select(func.count(User.id))),
            "licences": db.session.scalar(select(func.count(ProductionLicence.id))),
            "open_applications": db.session.scalar(select(func.count(Application.id)).where(
                Application.state.in_([s.value for s in OPEN_STATES]))),
            "valid_certificates": db.session.scalar(select(func.count(Certificate.id)).where(
                Certificate.status == CertificateStatus.VALID.value)),
        }
    return context


# --- holder ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    #: the last day to apply for renewal, when it falls within RENEWAL_NOTICE (or has passed
    #: while the certificate is still valid); None otherwise
    renewal_deadline: date | None
    renewal_closed: bool  # the deadline has passed: a renewal would be refused (不予延续)
    renewal_applied: bool  # an open renewal application exists


def _sort_key(row: tuple[Application, Clock | None]) -> tuple:  # type: ignore[type-arg]
    """Running clocks first, overdue and earliest due first; then the rest, newest first."""
    application, clock = row
    if clock is None or clock.paused:
        return (1, date.max, -application.id)
    return (0, clock.due, -application.id)


def _holder(user: User, today: date) -> dict[str, Any]:
    org_id = user.organisation_id
    applications = db.session.scalars(applications_visible_to(user).where(
        Application.state.in_(_OPEN_FOR_HOLDER))).all()
    rows = sorted(clocks_for(applications, today), key=_sort_key)

    certificates = db.session.scalars(certificates_visible_to(user).where(
        Certificate.holder_org_id == org_id)).all()
    renewing = set(db.session.scalars(select(Application.certificate_id).where(
        Application.holder_org_id == org_id,
        Application.kind == ApplicationKind.RENEWAL.value,
        Application.state.in_(_OPEN_FOR_HOLDER))))
    certificate_rows = []
    for certificate in certificates:
        deadline = None
        if certificate.status == CertificateStatus.VALID:
            candidate = renewal_deadline(certificate)
            if candidate <= today + RENEWAL_NOTICE:
                deadline = candidate
        certificate_rows.append(CertificateRow(
            certificate, deadline, renewal_closed=deadline is not None and deadline < today,
            renewal_applied=certificate.id in renewing))
    return {
        "application_rows": rows,
        "holder_turn": [(a, c) for a, c in rows if a.state_enum in HOLDER_TURN],
        "overdue_count": sum(1 for _a, c in rows if c is not None and c.overdue),
        "certificate_rows": certificate_rows,
        "renewals_due": [r for r in certificate_rows if r.renewal_deadline is not None
                         and not r.renewal_closed and not r.renewal_applied],
    }


# --- reviewer --------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueSummary:
    key: str
    title: str
    rows: list[tuple[Application, Clock | None]]
    assigned_to_me: int | None  # the review queue only

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def preview(self) -> list[tuple[Application, Clock | None]]:
        return self.rows[:QUEUE_PREVIEW]

    @property
    def overdue(self) -> int:
        return sum(1 for _a, c in self.rows if c is not None and c.overdue)

    @property
    def due_soon(self) -> int:
        return sum(1 for _a, c in self.rows if c is not None and c.due_soon)


def _reviewer(user: User, today: date) -> dict[str, Any]:
    queues = []
    for key, (title, duty, _states) in QUEUES.items():
        if not user.has_duty(duty):
            continue
        rows = queue_rows(user, key, today)
        assigned = (sum(1 for a, _c in rows if a.assigned_reviewer_id == user.id)
                    if key == "review" else None)
        queues.append(QueueSummary(key, str(title), rows, assigned))
    return {"queues": queues, "overdue_count": sum(q.overdue for q in queues)}
