"""The application lifecycle, as data. Every edge names its policy; services apply it with
devreg.workflow.apply_transition, which authorizes, sets the state and labels the audit event."""

from __future__ import annotations

from enum import StrEnum

from devreg.i18n import _l
from devreg.workflow import Transition


class ApplicationState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for the acceptance decision
    CORRECTION_REQUESTED = "correction_requested"  # 补正: holder corrects and resubmits (once)
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    ACCEPTED = "accepted"  # 受理: waiting for a reviewer to be assigned
    IN_REVIEW = "in_review"  # 技术审评
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 补充资料: review clock stopped
    REVIEW_DONE = "review_done"  # signed review opinion: waiting for the decision
    OBJECTION = "objection"  # 异议: the holder objects to a negative review opinion (Art 57)
    APPROVED = "approved"
    REFUSED = "refused"
    TERMINATED = "terminated"  # 终止技术审评: supplement not answered; 不予注册 to be signed
    WITHDRAWN = "withdrawn"
    FILED = "filed"  # change filing recorded (no review)

    @property
    def title(self) -> str:
        return str(STATE_TITLES[self])

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES


STATE_TITLES = {
    ApplicationState.DRAFT: _l("Draft"),
    ApplicationState.SUBMITTED: _l("Submitted, awaiting acceptance"),
    ApplicationState.CORRECTION_REQUESTED: _l("Correction requested (补正)"),
    ApplicationState.NOT_ACCEPTED: _l("Not accepted (不予受理)"),
    ApplicationState.ACCEPTED: _l("Accepted, awaiting review assignment"),
    ApplicationState.IN_REVIEW: _l("In technical review"),
    ApplicationState.SUPPLEMENT_REQUESTED: _l("Supplement requested (补充资料)"),
    ApplicationState.REVIEW_DONE: _l("Review done, awaiting decision"),
    ApplicationState.OBJECTION: _l("Objection to the review opinion (异议)"),
    ApplicationState.APPROVED: _l("Approved"),
    ApplicationState.REFUSED: _l("Refused"),
    ApplicationState.TERMINATED: _l("Review terminated (终止审查), refusal to be decided"),
    ApplicationState.WITHDRAWN: _l("Withdrawn"),
    ApplicationState.FILED: _l("Filed"),
}

S = ApplicationState
OPEN_STATES = frozenset({S.SUBMITTED, S.CORRECTION_REQUESTED, S.ACCEPTED, S.IN_REVIEW,
                         S.SUPPLEMENT_REQUESTED, S.REVIEW_DONE, S.OBJECTION})

TRANSITIONS: dict[tuple[str, S], Transition] = {
    ("submit", S.DRAFT): Transition(S.SUBMITTED, "registrations.submit"),
    ("resubmit", S.CORRECTION_REQUESTED): Transition(S.SUBMITTED, "registrations.submit"),
    ("file", S.DRAFT): Transition(S.FILED, "registrations.submit"),
    ("withdraw", S.DRAFT): Transition(S.WITHDRAWN, "registrations.withdraw"),
    ("withdraw", S.SUBMITTED): Transition(S.WITHDRAWN, "registrations.withdraw"),
    ("withdraw", S.CORRECTION_REQUESTED): Transition(S.WITHDRAWN, "registrations.withdraw"),
    ("withdraw", S.ACCEPTED): Transition(S.WITHDRAWN, "registrations.withdraw"),
    ("withdraw", S.IN_REVIEW): Transition(S.WITHDRAWN, "registrations.withdraw"),
    ("withdraw", S.SUPPLEMENT_REQUESTED): Transition(S.WITHDRAWN, "registrations.withdraw"),
    # Order 47 Art 55: withdrawal, with a reason, at any time before the decision
    ("withdraw", S.REVIEW_DONE): Transition(S.WITHDRAWN, "registrations.withdraw"),
    ("withdraw", S.OBJECTION): Transition(S.WITHDRAWN, "registrations.withdraw"),
    ("accept", S.SUBMITTED): Transition(S.ACCEPTED, "review.accept"),
    ("request_correction", S.SUBMITTED): Transition(S.CORRECTION_REQUESTED, "review.accept"),
    ("refuse_acceptance", S.SUBMITTED): Transition(S.NOT_ACCEPTED, "review.accept"),
    ("deem_accepted", S.SUBMITTED): Transition(S.ACCEPTED, "system.sweep"),
    ("assign", S.ACCEPTED): Transition(S.IN_REVIEW, "review.assign"),
    ("request_supplement", S.IN_REVIEW): Transition(S.SUPPLEMENT_REQUESTED, "review.review"),
    ("answer_supplement", S.SUPPLEMENT_REQUESTED): Transition(S.IN_REVIEW,
                                                              "registrations.answer_supplement"),
    ("terminate", S.SUPPLEMENT_REQUESTED): Transition(S.TERMINATED, "system.sweep"),
    # Order 47 Art 54: after the termination the administration signs a refusal (不予注册)
    ("refuse", S.TERMINATED): Transition(S.REFUSED, "review.decide"),
    ("give_opinion", S.IN_REVIEW): Transition(S.REVIEW_DONE, "review.review"),
    # Order 47 Art 57: the holder objects to a negative opinion; the reviewer answers it
    ("object", S.REVIEW_DONE): Transition(S.OBJECTION, "registrations.object"),
    ("resolve_objection", S.OBJECTION): Transition(S.REVIEW_DONE, "review.review"),
    # cancellations skip technical review: accepted, then decided
    ("approve", S.ACCEPTED): Transition(S.APPROVED, "review.decide"),
    ("refuse", S.ACCEPTED): Transition(S.REFUSED, "review.decide"),
    ("approve", S.REVIEW_DONE): Transition(S.APPROVED, "review.decide"),
    ("refuse", S.REVIEW_DONE): Transition(S.REFUSED, "review.decide"),
    ("deem_renewed", S.ACCEPTED): Transition(S.APPROVED, "system.sweep"),
    ("deem_renewed", S.IN_REVIEW): Transition(S.APPROVED, "system.sweep"),
    ("deem_renewed", S.REVIEW_DONE): Transition(S.APPROVED, "system.sweep"),
}
