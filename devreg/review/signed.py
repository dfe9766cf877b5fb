"""Content of record of the regulators' signatures on applications (signatures.records): each
decision's fields as the application holds them now, the state it was taken in, and the frozen
submission it was taken on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from devreg.extensions import db
from devreg.registrations.models import Application, ClockExtension, ClockPause
from devreg.registrations.signed import submission_reference
from devreg.signatures.models import Signature
from devreg.signatures.records import content_of_record, stored


def _base(application: Application, signature: Signature) -> dict[str, Any]:
    submission = stored(signature, "submission")
    return {"application": application.id, "kind": application.kind,
            # a historical fact the record does not keep elsewhere
            "state_before": stored(signature, "state_before"),
            "submission": submission_reference(application, submission["round"])
            if submission else None}


@content_of_record(Application, "accepted")
def _accepted(application: Application, signature: Signature) -> dict[str, Any]:
    # the review stream granted or refused at acceptance (Order 47 Art 119)
    return {**_base(application, signature), "acceptance_number": application.acceptance_number,
            "stream": application.stream,
            "stream_decision": stored(signature, "stream_decision"),
            "stream_reasons": application.stream_decision_reasons or ""}


@content_of_record(Application, "correction_requested")
def _correction(application: Application, signature: Signature) -> dict[str, Any]:
    return {**_base(application, signature), "items": application.correction_items}


@content_of_record(Application, "refused_acceptance")
def _refused_acceptance(application: Application, signature: Signature) -> dict[str, Any]:
    return {**_base(application, signature), "reasons": application.refusal_reasons}


@content_of_record(Application, "supplement_requested")
def _supplement(application: Application, signature: Signature) -> dict[str, Any]:
    deadline = application.supplement_deadline
    return {**_base(application, signature), "items": application.supplement_items,
            "deadline": deadline.isoformat() if deadline else None}


@content_of_record(Application, "review_recommended_approval", "review_recommended_refusal")
def _opinion(application: Application, signature: Signature) -> dict[str, Any]:
    recommendation = application.opinion
    if application.objection_outcome == "revised":
        # Order 47 Art 57: the answer to the objection revised the negative opinion; the
        # signed opinion was the refusal
        recommendation = "refuse"
    return {**_base(application, signature), "recommendation": recommendation,
            "opinion": application.opinion_text}


@content_of_record(Application, "approved", "refused")
def _decision(application: Application, signature: Signature) -> dict[str, Any]:
    return {**_base(application, signature), "approve": signature.meaning == "approved",
            "reasons": application.decision_reasons or ""}


def _signed_row(model: type, application: Application, signature: Signature) -> Any:
    """The pause or extension row the signature was given for, if it is still this file's."""
    row = db.session.scalar(select(model).where(model.signature_id == signature.id))
    return row if row is not None and row.application_id == application.id else None


@content_of_record(Application, "clock_paused")
def _paused(application: Application, signature: Signature) -> dict[str, Any] | None:
    # Order 47 Art 98: the written notice of a pause names its reason
    pause = _signed_row(ClockPause, application, signature)
    if pause is None:
        return None
    return {**_base(application, signature), "reason": pause.reason, "notice": pause.notice,
            "on": pause.started_on.isoformat()}


@content_of_record(Application, "clock_extended")
def _extended(application: Application, signature: Signature) -> dict[str, Any] | None:
    # Order 47 Art 96: the extension, its length and its written reason
    extension = _signed_row(ClockExtension, application, signature)
    if extension is None:
        return None
    return {**_base(application, signature), "stage": extension.stage,
            "working_days": extension.working_days, "reason": extension.reason}


@content_of_record(Application, "objection_resolved")
def _objection_resolved(application: Application, signature: Signature) -> dict[str, Any]:
    return {**_base(application, signature), "outcome": application.objection_outcome,
            "answer": application.objection_outcome_text}
