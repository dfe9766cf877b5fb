"""The scheduled sweep: everything that happens because time passed. Idempotent: each step
selects only records still in the state it changes, so running it twice changes nothing more."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from devreg import events
from devreg.arrangements.services import flag_expired_licences
from devreg.certificates import services as certificates
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.extensions import db
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


def terminate_unanswered(application: Application, *, today: date) -> None:
    """Order 47 Art 54: the supplement was not answered in time, so the technical review ends;
    the refusal (不予注册) is signed by an approver, who finds it in the decision queue."""
    apply_transition(application, "terminate", None, TRANSITIONS)
    application.closed_on = today
    application.terminated_on = today
    end_pause(application, on=today, actor=None)
    events.review_terminated.send(application, actor=None)


def run_sweep(today: date) -> SweepResult:
    result = SweepResult()
    submitted = db.session.scalars(select(Application).where(
        Application.state == S.SUBMITTED.value))
    for application in submitted:
        limit = time_limit(application.province_code, Stage.ACCEPTANCE, application.kind,
                           application.stream)
        due = calendar_for(application.province_code).add_working_days(
            application.received_on, limit).due  # type: ignore[arg-type]
        if today > due:
            deem_accepted(application, today=today)
            result.deemed_accepted.append(application.id)

    waiting = db.session.scalars(select(Application).where(
        Application.state == S.SUPPLEMENT_REQUESTED.value,
        Application.supplement_deadline < today))
    for application in waiting:
        terminate_unanswered(application, today=today)
        result.terminated.append(application.id)

    # A renewal not decided by the expiry date is deemed granted (Order 47 Art 82 ¶2).
    renewals = db.session.scalars(select(Application).join(
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
    events.sweep_finished.send(None, today=today, result=result)
    return result

