"""Regulator decisions on applications. Every decision is e-signed; services flush only."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from devreg.auth.models import User
from devreg.auth.roles import Duty
from devreg.certificates import services as certificates
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.certificates.numbers import next_value
from devreg.errors import DomainError, InvalidTransition
from devreg.extensions import db
from devreg.i18n import _
from devreg.registrations.clocks import clock_for
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application
from devreg.registrations.states import TRANSITIONS, ApplicationState
from devreg.signatures.services import sign
from devreg.workdays.queries import time_limits_snapshot
from devreg.workflow import apply_transition

S = ApplicationState
K = ApplicationKind
SUPPLEMENT_ANSWER_PERIOD = relativedelta(years=1)  # Order 47 Art 54: one calendar year
QMS_RESULTS = ("pass", "pass_after_rectification", "fail")


def review_path_allows(application: Application, event: str) -> bool:
    """Initial, change and renewal applications go through technical review before the
    decision; cancellations go from acceptance straight to the decision."""
    if application.kind_enum.is_reviewed:
        return event != "approve" or application.state == S.REVIEW_DONE
    return event != "assign"


def _content(application: Application, state_before: str,
             **decision: object) -> dict:  # type: ignore[type-arg]
    """What a regulator's signature covers: the decision, the state it was taken in (read
    before the transition), and the frozen submission it was taken on (round and hash)."""
    frozen = application.submitted_content
    submission = {"round": frozen.round, "hash": frozen.content_hash} if frozen else None
    return {"application": application.id, "kind": application.kind,
            "state_before": state_before, "submission": submission, **decision}


def _acceptance_number(application: Application, today: date) -> str:
    # The law gives no acceptance-number format; devreg uses {A}械受{YYYY}{NNNNN}, a running
    # number per province and year, allocated like certificate serials.
    serial = next_value("acceptance", application.province_code, today.year)
    from devreg.reference.models import Province

    abbreviation = db.session.get(Province, application.province_code).abbreviation  # type: ignore[union-attr]
    return f"{abbreviation}械受{today.year}{serial:05d}"


def accept(application: Application, *, actor: User, password: str, today: date) -> None:
    state_before = application.state
    apply_transition(application, "accept", actor, TRANSITIONS)
    _mark_accepted(application, today)
    sign(application, signer=actor, password=password, meaning="accepted",
         content=_content(application, state_before,
                          acceptance_number=application.acceptance_number))


def _mark_accepted(application: Application, accepted_on: date) -> None:
    application.acceptance_number = _acceptance_number(application, accepted_on)
    application.accepted_on = accepted_on
    application.time_limits = time_limits_snapshot(application.province_code)


def deem_accepted(application: Application, *, today: date) -> None:
    """No decision within the acceptance limit: accepted from receipt (Order 47 Art 53(3))."""
    apply_transition(application, "deem_accepted", None, TRANSITIONS)
    _mark_accepted(application, application.received_on or today)


def request_correction(application: Application, *, actor: User, password: str, items: str,
                       today: date) -> None:
    """补正: once, listing every missing item at once."""
    if application.correction_requested_on is not None:
        raise DomainError(_("A correction notice was already sent once; accept or refuse "
                            "the application now."))
    if not items:
        raise DomainError(_("List every item to correct."))
    clock = clock_for(application, today) if application.state == S.SUBMITTED else None
    if clock is not None and today > clock.due:
        # Order 47 Art 53(3): without a correction notice in time, the application counts as
        # accepted from receipt
        raise DomainError(_("The acceptance limit ended on %(due)s: a correction notice can no "
                            "longer be sent, and the application counts as accepted from its "
                            "receipt.", due=clock.due.isoformat()))
    state_before = application.state
    apply_transition(application, "request_correction", actor, TRANSITIONS)
    application.correction_items = items
    application.correction_requested_on = today
    sign(application, signer=actor, password=password, meaning="correction_requested",
         content=_content(application, state_before, items=items))


def refuse_acceptance(application: Application, *, actor: User, password: str, reasons: str,
                      today: date) -> None:
    if not reasons:
        raise DomainError(_("State the reasons for not accepting."))
    state_before = application.state
    apply_transition(application, "refuse_acceptance", actor, TRANSITIONS)
    application.refusal_reasons = reasons
    application.closed_on = today
    sign(application, signer=actor, password=password, meaning="refused_acceptance",
         content=_content(application, state_before, reasons=reasons))


def assign_reviewer(application: Application, *, actor: User, reviewer: User,
                    today: date) -> None:
    if not (reviewer.has_duty(Duty.REVIEW) and reviewer.jurisdiction == application.province_code
            and reviewer.is_active):
        raise DomainError(_("Assign a reviewer of this province with the technical review "
                            "duty."))
    if not review_path_allows(application, "assign"):
        raise InvalidTransition(_("This kind of application goes straight to the decision."))
    apply_transition(application, "assign", actor, TRANSITIONS)
    application.assigned_reviewer_id = reviewer.id
    application.review_started_on = today


def request_supplement(application: Application, *, actor: User, password: str, items: str,
                       today: date) -> None:
    """补充资料: one notice listing every item; stops the review clock."""
    if application.supplement_requested_on is not None:
        raise DomainError(_("Supplementary information can be requested only once."))
    if not items:
        raise DomainError(_("List every item the holder must supply."))
    state_before = application.state
    apply_transition(application, "request_supplement", actor, TRANSITIONS)
    application.supplement_items = items
    application.supplement_requested_on = today
    application.supplement_deadline = today + SUPPLEMENT_ANSWER_PERIOD
    sign(application, signer=actor, password=password, meaning="supplement_requested",
         content=_content(application, state_before, items=items,
                          deadline=application.supplement_deadline.isoformat()))


def record_qms(application: Application, *, actor: User, result: str, notes: str,
               today: date) -> None:
    """体系核查 result, recorded by the reviewer during review."""
    from devreg.permissions import authorize

    authorize(actor, "review.review", application)
    if application.state != S.IN_REVIEW:
        raise DomainError(_("The QMS verification is recorded during technical review."))
    if result not in QMS_RESULTS:
        raise DomainError(_("Choose the verification result."))
    application.qms_result = result
    application.qms_notes = notes
    application.qms_recorded_on = today


def give_opinion(application: Application, *, actor: User, password: str, recommendation: str,
                 text: str, today: date) -> None:
    if recommendation not in ("approve", "refuse"):
        raise DomainError(_("Choose a recommendation."))
    if not text:
        raise DomainError(_("Write the review opinion."))
    if application.kind == K.INITIAL and application.qms_result is None:
        raise DomainError(_("Record the quality management system verification first."))
    if recommendation == "approve" and application.qms_result == "fail":
        raise DomainError(_("The QMS verification failed: approval cannot be recommended."))
    state_before = application.state
    apply_transition(application, "give_opinion", actor, TRANSITIONS)
    application.opinion = recommendation
    application.opinion_text = text
    application.opinion_by_id = actor.id
    application.opinion_on = today
    sign(application, signer=actor, password=password,
         meaning=f"review_recommended_{'approval' if recommendation == 'approve' else 'refusal'}",
         content=_content(application, state_before, recommendation=recommendation,
                          opinion=text))


def _check_certificate_still_in_force(application: Application) -> None:
    """A change, renewal or cancellation approves something about the certificate: not once it
    was revoked or cancelled meanwhile (the application can still be refused). An expired
    certificate can only be renewed, by a renewal applied for in time."""
    certificate = application.certificate
    allowed = {CertificateStatus.VALID.value}
    if application.kind == K.RENEWAL:
        allowed.add(CertificateStatus.EXPIRED.value)
    if certificate is not None and certificate.status not in allowed:
        raise DomainError(_("The certificate is %(status)s: this application can no longer be "
                            "approved. Refuse it, stating that reason.",
                            status=certificate.status_enum.title))


def decide(application: Application, *, actor: User, password: str, approve: bool,
           reasons: str, today: date) -> Certificate | None:
    """Approve or refuse. Four eyes: never the author of the review opinion."""
    if application.opinion_by_id is not None and application.opinion_by_id == actor.id:
        raise DomainError(_("Four-eyes rule: you wrote the review opinion, so another "
                            "reviewer with the approval duty must decide."))
    if not review_path_allows(application, "approve"):
        raise InvalidTransition(_("The technical review must be completed before the "
                                  "decision."))
    if not approve and not reasons:
        raise DomainError(_("State the reasons for refusal."))
    if approve and application.certificate is not None:
        _check_certificate_still_in_force(application)
    state_before = application.state
    apply_transition(application, "approve" if approve else "refuse", actor, TRANSITIONS)
    application.decision_reasons = reasons or None
    application.decided_by_id = actor.id
    application.decided_on = today
    application.closed_on = today
    signature = sign(application, signer=actor, password=password,
                     meaning="approved" if approve else "refused",
                     content=_content(application, state_before, approve=approve,
                                      reasons=reasons or ""))
    if not approve:
        return None
    kind = application.kind_enum
    certificate = application.certificate
    if kind is K.INITIAL:
        certificate = certificates.issue_certificate(application, signature=signature,
                                                     approved_on=today)
        application.certificate = certificate
        from devreg.arrangements.services import sync_with_certificate

        sync_with_certificate(certificate)
    elif kind is K.CHANGE:
        certificates.apply_change_registration(certificate, application,  # type: ignore[arg-type]
                                               signature=signature, approved_on=today)
    elif kind is K.RENEWAL:
        certificates.renew_certificate(certificate, application,  # type: ignore[arg-type]
                                       signature=signature, approved_on=today)
    elif kind is K.CANCELLATION:
        certificates.cancel_certificate(certificate, application,  # type: ignore[arg-type]
                                        signature=signature, on=today)
    return certificate


def set_priority(application: Application, *, actor: User, priority: bool) -> None:
    from devreg.audit.services import label_next_change
    from devreg.permissions import authorize

    authorize(actor, "review.set_priority", application)
    if not application.state_enum.is_open:
        raise DomainError(_("Only open applications can be prioritised."))
    application.is_priority = priority
    label_next_change(application, "priority_on" if priority else "priority_off")
