"""The scheduled sweep: everything that happens because time passed. Idempotent: each step
selects only records still in the state it changes, so running it twice changes nothing more."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select

from devreg import events
from devreg.arrangements.services import flag_expired_licences
from devreg.certificates import services as certificates
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.extensions import db
from devreg.registrations.clock_store import refresh_clocks
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application
from devreg.registrations.services import end_pause
from devreg.registrations.states import TRANSITIONS, ApplicationState
from devreg.review.services import deem_accepted
from devreg.workdays.models import Stage
from devreg.workdays.queries import calendar_for, time_limit
from devreg.workflow import apply_transition

S = ApplicationState


@dataclass
class SweepResult:
    deemed_accepted: list[int] = field(default_factory=list)
    terminated: list[int] = field(default_factory=list)
    deemed_renewed: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    flagged_arrangements: list[int] = field(default_factory=list)
    clocks_refreshed: int = 0


def terminate_unanswered(application: Application, *, today: date) -> None:
    """Order 47 Art 54: the supplement was not answered in time, so the technical review ends;
    the refusal (不予注册) is signed by an approver, who finds it in the decision queue."""
    apply_transition(application, "terminate", None, TRANSITIONS)
    application.closed_on = today
    application.terminated_on = today
    end_pause(application, on=today, actor=None)
    events.review_terminated.send(application, actor=None)


#: rows the sweep loads at a time: memory stays bounded whatever the number of files
SWEEP_BATCH = 500


def _last_overdue_receipt(calendar, limit: int, today: date) -> date | None:  # type: ignore[no-untyped-def]
    """The latest receipt day whose acceptance limit ended before ``today`` (the due date only
    moves forward with the receipt day, so a bisection over days finds it), or None."""
    low, high = today - timedelta(days=3660), today
    if calendar.add_working_days(low, limit).due >= today:
        return None
    while high - low > timedelta(days=1):  # invariant: low is overdue, high is not
        middle = low + (high - low) // 2
        if calendar.add_working_days(middle, limit).due < today:
            low = middle
        else:
            high = middle
    return low


def _in_batches(query: Select) -> Iterator[Application]:  # type: ignore[type-arg]
    """The rows of ``query`` by id, SWEEP_BATCH at a time (keyset, no OFFSET)."""
    after = 0
    while True:
        batch = db.session.scalars(query.where(Application.id > after)
                                   .order_by(Application.id).limit(SWEEP_BATCH)).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def run_sweep(today: date) -> SweepResult:
    result = SweepResult()
    # Order 47 Art 53(3): no decision within the acceptance limit counts as accepted. The limit
    # depends on the province, the kind and the stream: one bound per combination, found in
    # the calendar's index, then only the overdue files are loaded (no query per file).
    combinations = db.session.execute(select(
        Application.province_code, Application.kind, Application.stream).where(
        Application.state == S.SUBMITTED.value).distinct()).all()
    overdue = []
    for province_code, kind, stream in combinations:
        limit = time_limit(province_code, Stage.ACCEPTANCE, kind, stream)
        last = _last_overdue_receipt(calendar_for(province_code), limit, today)
        if last is not None:
            overdue.append(and_(Application.province_code == province_code,
                                Application.kind == kind, Application.stream == stream,
                                Application.received_on <= last))
    if overdue:
        for application in _in_batches(select(Application).where(
                Application.state == S.SUBMITTED.value, or_(*overdue))):
            deem_accepted(application, today=today)
            result.deemed_accepted.append(application.id)

    waiting = _in_batches(select(Application).where(
        Application.state == S.SUPPLEMENT_REQUESTED.value,
        Application.supplement_deadline < today))
    for application in waiting:
        terminate_unanswered(application, today=today)
        result.terminated.append(application.id)

    # A renewal not decided by the expiry date is deemed granted (Order 47 Art 82 ¶2).
    renewals = _in_batches(select(Application).join(
        Certificate, Certificate.id == Application.certificate_id).where(
        Application.kind == ApplicationKind.RENEWAL.value,
        Application.state.in_([S.ACCEPTED.value, S.IN_REVIEW.value, S.REVIEW_DONE.value]),
        Certificate.status.in_([CertificateStatus.VALID.value, CertificateStatus.EXPIRED.value]),
        Certificate.valid_until < today))
    for application in renewals:
        apply_transition(application, "deem_renewed", None, TRANSITIONS)
        application.closed_on = today
        certificates.renew_certificate(application.certificate,  # type: ignore[arg-type]
                                       application, signature=None, approved_on=today,
                                       deemed=True)
        result.deemed_renewed.append(application.id)

    result.expired = [c.id for c in certificates.expire_certificates(today)]
    result.flagged_arrangements = flag_expired_licences(today)
    db.session.flush()
    # the stored due-soon and overdue days of every open file, rewritten as a safety net (after
    # an upgrade, a bulk load or a change of the due-soon settings)
    result.clocks_refreshed = refresh_clocks()
    events.sweep_finished.send(None, today=today, result=result)
    return result

