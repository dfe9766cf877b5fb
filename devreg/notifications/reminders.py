"""What the daily sweep tells people because time passed: deadlines approaching, the renewal
window opening, the yearly self-inspection report, and the reviewers' weekday digest. Each
reminder has its own key (the record, the period and the number of days), so a sweep run
twice, or every day, sends each reminder once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from devreg import events
from devreg.auth.models import User
from devreg.auth.roles import Role
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.certificates.services import renewal_deadline
from devreg.extensions import db
from devreg.notifications.services import Link, notify, organisation_users
from devreg.orgs.models import Organisation
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application
from devreg.registrations.services import open_application_for
from devreg.registrations.states import ApplicationState
from devreg.reports.models import SelfInspectionReport, report_due

#: the renewal deadline is 6 months before expiry (Order 47 Art 82); certificates whose expiry
#: is within this many days can be near it
_RENEWAL_HORIZON_DAYS = 184 + 400


def _window(days_left: int, steps: tuple[int, ...]) -> int | None:
    """The most urgent reminder step reached (30, 7, 1 days before), or None."""
    reached = [d for d in steps if 0 <= days_left <= d]
    return min(reached) if reached else None


def supplement_reminders(today: date) -> int:
    """Order 47 Art 54: the supplement is due within one year; reminders 30, 7 and 1 days
    before the deadline."""
    steps = tuple(current_app.config["REMINDER_DAYS"])
    waiting = db.session.scalars(select(Application).where(
        Application.state == ApplicationState.SUPPLEMENT_REQUESTED.value,
        Application.supplement_deadline >= today,
        Application.supplement_deadline <= today + timedelta(days=max(steps))))
    told = 0
    for application in waiting:
        step = _window((application.supplement_deadline - today).days, steps)  # type: ignore[operator]
        if step is None:
            continue
        told += notify(organisation_users(application.holder_org_id), "supplement_deadline",
                       key=f"supplement_deadline:{application.id}:{step}", record=application,
                       link=Link.to("registrations.application_detail",
                                    application_id=application.id),
                       application=application, deadline=application.supplement_deadline,
                       days=step)
    return told


def renewal_reminders(today: date) -> int:
    """Order 47 Art 82: renewal is applied for at least 6 months before expiry. The holder is
    told when the window's last part opens (RENEWAL_REMINDER_MARGIN_DAYS before the deadline)
    and 30, 7 and 1 days before the deadline, unless a renewal application is open."""
    steps = tuple(current_app.config["REMINDER_DAYS"])
    margin = current_app.config["RENEWAL_REMINDER_MARGIN_DAYS"]
    candidates = db.session.scalars(select(Certificate).where(
        Certificate.status == CertificateStatus.VALID.value,
        Certificate.valid_until >= today,
        Certificate.valid_until <= today + timedelta(days=_RENEWAL_HORIZON_DAYS)))
    told = 0
    for certificate in candidates:
        deadline = renewal_deadline(certificate)
        days_left = (deadline - today).days
        if days_left < 0 or days_left > max(margin, *steps):
            continue
        if open_application_for(certificate.device_id, ApplicationKind.RENEWAL) is not None:
            continue
        users = organisation_users(certificate.holder_org_id)
        link = Link.to("certificates.certificate_detail", certificate_id=certificate.id)
        period = certificate.valid_until.isoformat()
        told += notify(users, "renewal_window_open",
                       key=f"renewal_window:{certificate.id}:{period}", record=certificate,
                       link=link, certificate=certificate, deadline=deadline)
        step = _window(days_left, steps)
        if step is not None:
            told += notify(users, "renewal_deadline",
                           key=f"renewal_deadline:{certificate.id}:{period}:{step}",
                           record=certificate, link=link, certificate=certificate,
                           deadline=deadline, days=step)
    return told


def self_inspection_reminders(today: date) -> int:
    """Order 53 Art 45: holders and manufacturers file last year's self-inspection report by
    31 March; reminded SELF_INSPECTION_REMINDER_DAYS before, while not filed."""
    year = today.year - 1
    due = report_due(year)
    if not (due - timedelta(days=current_app.config["SELF_INSPECTION_REMINDER_DAYS"])
            <= today <= due):
        return 0
    filed = select(SelfInspectionReport.organisation_id).where(SelfInspectionReport.year == year)
    organisations = db.session.scalars(select(Organisation).where(
        Organisation.is_regulator.is_(False),
        Organisation.is_holder | Organisation.is_manufacturer,
        Organisation.id.not_in(filed)))
    told = 0
    for organisation in organisations:
        told += notify(organisation_users(organisation.id), "self_inspection_due",
                       key=f"self_inspection:{organisation.id}:{year}", record=organisation,
                       link=Link.to("reports.self_inspection"), year=year, due=due)
    return told


#: how many rows of each list a digest shows
DIGEST_ROWS = 20


def reviewer_digests(today: date, *, any_day: bool = False) -> int:
    """NYC OpenRecords' weekday digest: each reviewer gets, once a day, the files of its queues
    that are overdue or due soon; nothing when there are none. (The demo sends one whatever
    the day: ``any_day``.)"""
    if not any_day and today.weekday() not in tuple(current_app.config["DIGEST_WEEKDAYS"]):
        return 0
    from devreg.registrations.clock_pages import clock_condition
    from devreg.review.queries import QUEUES, queue_query, user_queues

    reviewers = db.session.scalars(select(User).where(
        User.role == Role.REVIEWER.value, User.is_active.is_(True)).order_by(User.id))
    told = 0
    conditions: dict[str, Any] = {}
    for reviewer in reviewers:
        province = reviewer.jurisdiction
        if province is None:
            continue
        sections = []
        for stage in user_queues(reviewer):
            for which in ("overdue", "due_soon"):
                if (province, which) not in conditions:
                    conditions[(province, which)] = clock_condition(which, province, today)
                query = queue_query(reviewer, stage).where(conditions[(province, which)])
                if stage == "review":  # one's own files, or nobody's yet
                    query = query.where((Application.assigned_reviewer_id == reviewer.id)
                                        | Application.assigned_reviewer_id.is_(None))
                rows = list(db.session.scalars(query.order_by(Application.id)
                                               .limit(DIGEST_ROWS)))
                if rows:
                    sections.append({"queue": QUEUES[stage][0], "which": which,
                                     "rows": [(a, Link.to("registrations.application_detail",
                                                          application_id=a.id).absolute())
                                              for a in rows]})
        if sections:
            told += notify([reviewer], "reviewer_digest",
                           key=f"digest:{reviewer.id}:{today.isoformat()}",
                           link=Link.to("review.queue"), sections=sections, today=today)
    return told


@events.sweep_finished.connect
def _after_sweep(_sender: Any, **kwargs: Any) -> None:
    today = kwargs["today"]
    supplement_reminders(today)
    renewal_reminders(today)
    self_inspection_reminders(today)
    reviewer_digests(today)
