"""Regulator decisions on applications. Every decision is e-signed; services flush only."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError

from devreg import events
from devreg.auth.models import User
from devreg.auth.roles import Duty
from devreg.certificates import services as certificates
from devreg.certificates.models import Certificate, CertificateStatus
from devreg.certificates.numbers import next_value
from devreg.errors import DomainError, InvalidTransition
from devreg.extensions import db
from devreg.i18n import _
from devreg.registrations.clocks import (
    EXTENDABLE_STAGES,
    clock_for,
    objection_deadline,
    objection_open,
    stage_limit,
)
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import (
    MANUAL_PAUSE_REASONS,
    Application,
    ClockExtension,
    PauseReason,
)
from devreg.registrations.services import end_pause, open_pause
from devreg.registrations.states import TRANSITIONS, ApplicationState
from devreg.signatures.services import sign, verify_signer
from devreg.workdays.calendar import supplement_answer_deadline
from devreg.workdays.models import Stream
from devreg.workdays.queries import calendar_for, stream_runs, time_limits_snapshot
from devreg.workflow import apply_transition

S = ApplicationState
K = ApplicationKind
QMS_RESULTS = ("pass", "pass_after_rectification", "fail")


def review_path_allows(application: Application, event: str) -> bool:
    """Initial, change and renewal applications go through technical review before the
    decision (a refusal also after the review was terminated, Order 47 Art 54); cancellations
    go from acceptance straight to the decision."""
    if application.kind_enum.is_reviewed:
        if event == "approve":
            return application.state == S.REVIEW_DONE
        if event == "refuse":
            return application.state in (S.REVIEW_DONE, S.TERMINATED)
        return True
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


STREAM_DECISIONS = ("grant", "refuse")


def accept(application: Application, *, actor: User, password: str, today: date,
           stream_decision: str | None = None, stream_reasons: str = "") -> None:
    """受理. A special stream the holder requested is granted or refused here, signed with the
    acceptance (refused: with reasons); its limits are the ones snapshotted."""
    state_before = application.state
    if application.requested_stream:
        if stream_decision not in STREAM_DECISIONS:
            raise DomainError(_("Grant or refuse the requested review stream."))
        if stream_decision == "refuse" and not stream_reasons:
            raise DomainError(_("State why the requested review stream is refused."))
        if stream_decision == "grant" and not stream_runs(
                application.province_code, application.requested_stream, application.kind):
            raise DomainError(_("This province no longer runs the requested stream for this "
                                "kind of application: refuse it, stating that reason."))
    verify_signer(actor, password)  # before any write (see verify_signer)
    apply_transition(application, "accept", actor, TRANSITIONS)
    if application.requested_stream:
        application.stream = (application.requested_stream if stream_decision == "grant"
                              else Stream.ORDINARY.value)
        application.stream_decision_reasons = stream_reasons or None
    _mark_accepted(application, today)
    sign(application, signer=actor, password=password, meaning="accepted",
         content=_content(application, state_before,
                          acceptance_number=application.acceptance_number,
                          stream=application.stream, stream_decision=stream_decision,
                          stream_reasons=stream_reasons))
    events.application_accepted.send(application, actor=actor, deemed=False)


def _mark_accepted(application: Application, accepted_on: date) -> None:
    application.acceptance_number = _acceptance_number(application, accepted_on)
    application.accepted_on = accepted_on
    # the limits of the application's kind and stream, kept for the rest of its life
    application.time_limits = time_limits_snapshot(application.province_code,
                                                   application.kind, application.stream)


def deem_accepted(application: Application, *, today: date) -> None:
    """No decision within the acceptance limit: accepted from receipt (Order 47 Art 53(3)).
    A requested special stream was not granted: the ordinary stream applies."""
    apply_transition(application, "deem_accepted", None, TRANSITIONS)
    _mark_accepted(application, application.received_on or today)
    events.application_accepted.send(application, actor=None, deemed=True)


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
    verify_signer(actor, password)  # before any write (see verify_signer)
    state_before = application.state
    apply_transition(application, "request_correction", actor, TRANSITIONS)
    application.correction_items = items
    application.correction_requested_on = today
    sign(application, signer=actor, password=password, meaning="correction_requested",
         content=_content(application, state_before, items=items))
    events.correction_requested.send(application, actor=actor)


def refuse_acceptance(application: Application, *, actor: User, password: str, reasons: str,
                      today: date) -> None:
    if not reasons:
        raise DomainError(_("State the reasons for not accepting."))
    verify_signer(actor, password)  # before any write (see verify_signer)
    state_before = application.state
    apply_transition(application, "refuse_acceptance", actor, TRANSITIONS)
    application.refusal_reasons = reasons
    application.closed_on = today
    sign(application, signer=actor, password=password, meaning="refused_acceptance",
         content=_content(application, state_before, reasons=reasons))
    events.acceptance_refused.send(application, actor=actor)


def assign_reviewer(application: Application, *, actor: User, reviewer: User,
                    today: date) -> None:
    if not (reviewer.has_duty(Duty.REVIEW) and reviewer.jurisdiction == application.province_code
            and reviewer.is_active):
        raise DomainError(_("Assign a reviewer of this province with the technical review "
                            "duty."))
    if not review_path_allows(application, "assign"):
        raise InvalidTransition(_("This kind of application goes straight to the decision."))
    apply_transition(application, "assign", actor, TRANSITIONS)
    previous = application.assigned_reviewer_id
    application.assigned_reviewer_id = reviewer.id
    application.review_started_on = today
    events.application_assigned.send(application, actor=actor, reviewer=reviewer,
                                     previous_reviewer_id=previous)


def request_supplement(application: Application, *, actor: User, password: str, items: str,
                       today: date) -> None:
    """补充资料: one notice listing every item; stops the review clock."""
    if application.supplement_requested_on is not None:
        raise DomainError(_("Supplementary information can be requested only once."))
    if not items:
        raise DomainError(_("List every item the holder must supply."))
    verify_signer(actor, password)  # before any write (see verify_signer)
    state_before = application.state
    apply_transition(application, "request_supplement", actor, TRANSITIONS)
    application.supplement_items = items
    application.supplement_requested_on = today
    application.supplement_deadline = supplement_answer_deadline(
        today, calendar_for(application.province_code))
    signature = sign(application, signer=actor, password=password,
                     meaning="supplement_requested",
                     content=_content(application, state_before, items=items,
                                      deadline=application.supplement_deadline.isoformat()))
    # Order 47 Art 98(1): the holder's supplement time is not counted
    open_pause(application, PauseReason.SUPPLEMENT, on=today, actor=actor, notice=items,
               signature=signature)
    events.supplement_requested.send(application, actor=actor,
                                     deadline=application.supplement_deadline)


def start_qms(application: Application, *, actor: User, today: date) -> None:
    """体系核查 begins: a stage of its own. Order 47 Art 98(5): its time is not counted, so the
    technical-review clock is paused until the result is recorded."""
    from devreg.permissions import authorize

    authorize(actor, "review.review", application)
    if application.state != S.IN_REVIEW:
        raise DomainError(_("The QMS verification is recorded during technical review."))
    if application.qms_started_on is not None or application.qms_result is not None:
        raise DomainError(_("The QMS verification has already started."))
    open_pause(application, PauseReason.QMS_VERIFICATION, on=today, actor=actor)
    application.qms_started_on = today


def record_qms(application: Application, *, actor: User, result: str, notes: str,
               today: date) -> None:
    """体系核查 result, recorded by the reviewer during review; it resumes the review clock.
    Recorded without a start, the verification began and ended on the same day."""
    from devreg.permissions import authorize

    authorize(actor, "review.review", application)
    if application.state != S.IN_REVIEW:
        raise DomainError(_("The QMS verification is recorded during technical review."))
    if result not in QMS_RESULTS:
        raise DomainError(_("Choose the verification result."))
    if application.qms_started_on is None:
        start_qms(application, actor=actor, today=today)
    current = application.open_pause
    if current is not None and current.reason_enum is not PauseReason.QMS_VERIFICATION:
        raise DomainError(_("The clock is paused (%(reason)s): end that pause before recording "
                            "the verification result.", reason=current.reason_enum.title))
    end_pause(application, on=today, actor=actor, reasons=(PauseReason.QMS_VERIFICATION,))
    application.qms_result = result
    application.qms_notes = notes
    application.qms_recorded_on = today


#: states in which a reviewer may record a pause by hand (a regulator clock is running)
PAUSE_STATES = (S.ACCEPTED, S.IN_REVIEW, S.REVIEW_DONE)


def record_pause(application: Application, *, actor: User, password: str, reason: str,
                 notice: str, today: date) -> None:
    """Stop the clock for a reason of Order 47 Art 98 (rectification, holder-caused delay,
    experts, suspension), with a signed written notice stating why."""
    from devreg.permissions import authorize

    authorize(actor, "review.pause", application)
    if application.state not in PAUSE_STATES:
        raise DomainError(_("The clock can be paused only while the regulator's clock runs."))
    if reason not in {r.value for r in MANUAL_PAUSE_REASONS}:
        raise DomainError(_("Choose the reason the clock stops."))
    if not notice:
        raise DomainError(_("Write the notice to the holder stating why the clock stops."))
    if application.open_pause is not None:
        raise DomainError(_("The clock is already paused (%(reason)s). End that pause first.",
                            reason=application.open_pause.reason_enum.title))
    signature = sign(application, signer=actor, password=password, meaning="clock_paused",
                     content=_content(application, application.state, reason=reason,
                                      notice=notice,
                                      on=today.isoformat()))
    open_pause(application, PauseReason(reason), on=today, actor=actor, notice=notice,
               signature=signature)


def resume_clock(application: Application, *, actor: User, today: date) -> None:
    """End a pause recorded by hand: the clock runs again from the next working day."""
    from devreg.permissions import authorize

    authorize(actor, "review.pause", application)
    if end_pause(application, on=today, actor=actor, reasons=MANUAL_PAUSE_REASONS) is None:
        raise DomainError(_("No pause recorded by a reviewer is open."))


def extend_clock(application: Application, *, actor: User, password: str, working_days: int,
                 reason: str, today: date) -> ClockExtension:
    """Order 47 Art 96: once per stage, by at most half the stage's limit, approved by the head
    of the technical body (the approve duty) and notified to the holder in writing."""
    from devreg.permissions import authorize

    authorize(actor, "review.extend", application)
    clock = clock_for(application, today)
    if clock is None or clock.stage not in EXTENDABLE_STAGES:
        raise DomainError(_("Only a running technical-review clock can be extended."))
    if not reason:
        raise DomainError(_("Write the reason for the extension; the holder is told it."))
    base = stage_limit(application, clock.stage)
    if not 1 <= working_days <= base // 2:
        raise DomainError(_("An extension is at most half of the stage's limit: at most "
                            "%(max)d working days for a limit of %(limit)d.",
                            max=base // 2, limit=base))
    if clock.extended_by:
        raise DomainError(_("This stage was already extended once."))
    signature = sign(application, signer=actor, password=password, meaning="clock_extended",
                     content=_content(application, application.state, stage=clock.stage.value,
                                      working_days=working_days, reason=reason))
    extension = ClockExtension(application_id=application.id, stage=clock.stage.value,
                               working_days=working_days, reason=reason,
                               granted_by_id=actor.id, granted_on=today,
                               signature_id=signature.id)
    db.session.add(extension)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a parallel extension of the same stage was saved first
        raise DomainError(_("This stage was already extended once.")) from None
    application.clock_extensions.append(extension)
    events.clock_extended.send(application, actor=actor, extension=extension)
    return extension


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
    verify_signer(actor, password)  # before any write (see verify_signer)
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
    events.opinion_given.send(application, actor=actor)


OBJECTION_OUTCOMES = ("maintained", "revised")


def resolve_objection(application: Application, *, actor: User, password: str, outcome: str,
                      text: str, today: date) -> None:
    """Order 47 Art 57: the technical body weighs the objection and answers the holder. The
    opinion is maintained, or revised to recommend approval; the clock runs again."""
    if outcome not in OBJECTION_OUTCOMES:
        raise DomainError(_("Choose the outcome of the objection."))
    if not text:
        raise DomainError(_("Write the answer to the holder's objection."))
    verify_signer(actor, password)  # before any write (see verify_signer)
    state_before = application.state
    apply_transition(application, "resolve_objection", actor, TRANSITIONS)
    application.objection_outcome = outcome
    application.objection_outcome_text = text
    application.objection_resolved_on = today
    if outcome == "revised":
        application.opinion = "approve"
    sign(application, signer=actor, password=password, meaning="objection_resolved",
         content=_content(application, state_before, outcome=outcome, answer=text))
    end_pause(application, on=today, actor=actor, reasons=(PauseReason.OBJECTION,))
    events.objection_resolved.send(application, actor=actor)


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
    if not review_path_allows(application, "approve" if approve else "refuse"):
        if application.state == S.TERMINATED:
            raise InvalidTransition(_("The review was terminated: only a refusal (不予注册) can "
                                      "be decided."))
        raise InvalidTransition(_("The technical review must be completed before the "
                                  "decision."))
    if not approve and not reasons:
        raise DomainError(_("State the reasons for refusal."))
    if not approve and objection_open(application, today):
        # Order 47 Art 57: the holder's 15 days to object run before the refusal
        raise DomainError(_("The holder may object to the negative opinion until %(date)s: "
                            "decide after that day, or after the objection is answered.",
                            date=objection_deadline(application).isoformat()))  # type: ignore[union-attr]
    if approve and application.certificate is not None:
        _check_certificate_still_in_force(application)
    verify_signer(actor, password)  # before any write (see verify_signer)
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
        events.decision_signed.send(application, actor=actor, approved=False, certificate=None,
                                    signature=signature)
        return None
    kind = application.kind_enum
    certificate = application.certificate
    if kind is K.INITIAL:
        certificate = certificates.issue_certificate(application, signature=signature,
                                                     approved_on=today)
        application.certificate = certificate
        from devreg.arrangements.services import sync_with_certificate

        sync_with_certificate(certificate, today)
    elif kind is K.CHANGE:
        certificates.apply_change_registration(certificate, application,  # type: ignore[arg-type]
                                               signature=signature, approved_on=today)
    elif kind is K.RENEWAL:
        certificates.renew_certificate(certificate, application,  # type: ignore[arg-type]
                                       signature=signature, approved_on=today)
    elif kind is K.CANCELLATION:
        certificates.cancel_certificate(certificate, application,  # type: ignore[arg-type]
                                        signature=signature, on=today)
    events.decision_signed.send(application, actor=actor, approved=True,
                                certificate=certificate, signature=signature)
    return certificate
