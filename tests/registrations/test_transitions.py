"""Every edge of the application state machine (devreg/registrations/states.py TRANSITIONS),
for every application kind it applies to, through the services the views call: allowed for
the right actor, refused for the wrong role, a reviewer without the duty, a reviewer of
another province, the holder of another organisation, and from every state without the edge."""

from __future__ import annotations

from collections import deque

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import Forbidden

from devreg.errors import DomainError, InvalidTransition
from devreg.extensions import db
from devreg.registrations.states import OPEN_STATES, TRANSITIONS
from devreg.signatures.models import Signature
from devreg.workflow import apply_transition
from tests.registrations.helpers import (
    ACCEPTED_KINDS,
    ALL_KINDS,
    EVENT_DUTY,
    REVIEWED_KINDS,
    K,
    S,
    application_in,
    make_reviewer,
    path_to,
    perform,
    right_actor,
)

#: the kinds each edge applies to (the table the tests below are generated from)
KINDS_FOR_EDGE: dict[tuple[str, S], tuple[K, ...]] = {
    ("submit", S.DRAFT): ACCEPTED_KINDS,
    ("resubmit", S.CORRECTION_REQUESTED): ACCEPTED_KINDS,
    ("file", S.DRAFT): (K.CHANGE_FILING,),
    ("withdraw", S.DRAFT): ALL_KINDS,
    ("withdraw", S.SUBMITTED): ACCEPTED_KINDS,
    ("withdraw", S.CORRECTION_REQUESTED): ACCEPTED_KINDS,
    ("withdraw", S.ACCEPTED): ACCEPTED_KINDS,
    ("withdraw", S.IN_REVIEW): REVIEWED_KINDS,
    ("withdraw", S.SUPPLEMENT_REQUESTED): REVIEWED_KINDS,
    ("withdraw", S.REVIEW_DONE): REVIEWED_KINDS,
    ("withdraw", S.OBJECTION): REVIEWED_KINDS,
    ("accept", S.SUBMITTED): ACCEPTED_KINDS,
    ("request_correction", S.SUBMITTED): ACCEPTED_KINDS,
    ("refuse_acceptance", S.SUBMITTED): ACCEPTED_KINDS,
    ("deem_accepted", S.SUBMITTED): ACCEPTED_KINDS,
    ("assign", S.ACCEPTED): REVIEWED_KINDS,
    ("request_supplement", S.IN_REVIEW): REVIEWED_KINDS,
    ("answer_supplement", S.SUPPLEMENT_REQUESTED): REVIEWED_KINDS,
    ("terminate", S.SUPPLEMENT_REQUESTED): REVIEWED_KINDS,
    ("refuse", S.TERMINATED): REVIEWED_KINDS,
    ("give_opinion", S.IN_REVIEW): REVIEWED_KINDS,
    ("object", S.REVIEW_DONE): REVIEWED_KINDS,
    ("resolve_objection", S.OBJECTION): REVIEWED_KINDS,
    ("approve", S.ACCEPTED): (K.CANCELLATION,),
    ("refuse", S.ACCEPTED): (K.CANCELLATION,),
    ("approve", S.REVIEW_DONE): REVIEWED_KINDS,
    ("refuse", S.REVIEW_DONE): REVIEWED_KINDS,
    ("deem_renewed", S.ACCEPTED): (K.RENEWAL,),
    ("deem_renewed", S.IN_REVIEW): (K.RENEWAL,),
    ("deem_renewed", S.REVIEW_DONE): (K.RENEWAL,),
}

USER_CASES = [(event, state, kind) for (event, state), kinds in KINDS_FOR_EDGE.items()
              if EVENT_DUTY[event] is not None for kind in kinds]
SYSTEM_CASES = [(event, state, kind) for (event, state), kinds in KINDS_FOR_EDGE.items()
                if EVENT_DUTY[event] is None for kind in kinds]
#: a reviewer of the application's province lacking the duty an event needs ("reviewer2" is
#: created with the accept and review duties: the demo reviewer wrote the opinion, and the
#: four-eyes rule would refuse it before the duty is even looked at)
WITHOUT_DUTY = {"accept": "approver", "review": "approver", "approve": "reviewer2"}
#: what the user clicks; "submit" also resubmits after a correction and files a change filing
USER_ACTIONS = {
    "submit": ("submit", "resubmit", "file"), "withdraw": ("withdraw",),
    "answer_supplement": ("answer_supplement",), "accept": ("accept",),
    "request_correction": ("request_correction",),
    "refuse_acceptance": ("refuse_acceptance",), "assign": ("assign",),
    "request_supplement": ("request_supplement",), "give_opinion": ("give_opinion",),
    "approve": ("approve",), "refuse": ("refuse",), "object": ("object",),
    "resolve_objection": ("resolve_objection",),
}


def _case_id(case: tuple[str, S, K]) -> str:
    event, state, kind = case
    return f"{event}-from-{state.value}-{kind.value}"


def _signatures() -> int:
    return db.session.scalar(select(func.count()).select_from(Signature))


def _prepared(demo, event: str, state: S, kind: K):  # type: ignore[no-untyped-def]
    # an objection is possible against a negative opinion only (Order 47 Art 57)
    application = application_in(demo, kind, state, negative=event == "object")
    if event == "give_opinion":  # the opinion on an initial registration needs the QMS result
        perform("qms", application, right_actor("qms", application))
        db.session.commit()
    return application


def _assert_refused(application, event: str, actor, error: type[Exception]) -> None:  # type: ignore[no-untyped-def]
    state, version, signatures = application.state, application.version, _signatures()
    with pytest.raises(error):
        perform(event, application, actor)
    db.session.rollback()
    db.session.refresh(application)
    assert (application.state, application.version) == (state, version)
    assert _signatures() == signatures


# --- the table itself ------------------------------------------------------------------------

def test_transition_table_every_edge_has_its_kinds_listed():
    assert set(KINDS_FOR_EDGE) == set(TRANSITIONS)


def test_transition_table_every_state_is_reachable_from_draft():
    seen, todo = {S.DRAFT}, deque([S.DRAFT])
    while todo:
        state = todo.popleft()
        for (_event, source), edge in TRANSITIONS.items():
            if source == state and edge.to not in seen:
                seen.add(edge.to)
                todo.append(edge.to)
    assert seen == set(S)


def test_transition_table_every_edge_source_is_reached_by_its_kinds():
    for (event, state), kinds in KINDS_FOR_EDGE.items():
        for kind in kinds:
            assert path_to(kind, state) is not None, (event, state, kind)


def test_transition_table_open_states_have_a_way_out():
    for state in OPEN_STATES:
        assert any(source == state for (_e, source) in TRANSITIONS), state


# --- allowed ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", USER_CASES, ids=_case_id)
def test_transition_by_right_actor_is_allowed(app, demo, case):
    event, state, kind = case
    application = _prepared(demo, event, state, kind)
    signatures = _signatures()
    perform(event, application, right_actor(event, application))
    db.session.commit()
    db.session.refresh(application)
    assert application.state == TRANSITIONS[(event, state)].to
    signed = event not in ("withdraw", "assign")
    assert _signatures() == signatures + (1 if signed else 0)
    if application.state in (S.WITHDRAWN, S.NOT_ACCEPTED, S.APPROVED, S.REFUSED, S.FILED):
        assert application.closed_on is not None


@pytest.mark.parametrize("case", SYSTEM_CASES, ids=_case_id)
def test_system_transition_by_sweep_is_allowed(app, demo, case):
    event, state, kind = case
    application = application_in(demo, kind, state)
    perform(event, application, None)
    db.session.commit()
    assert application.state == TRANSITIONS[(event, state)].to


@pytest.mark.parametrize("case", SYSTEM_CASES, ids=_case_id)
def test_system_transition_by_a_user_is_refused(app, demo, case):
    event, state, kind = case
    application = application_in(demo, kind, state)
    for name in ("holder", "reviewer", "approver", "reviewer.js"):
        with pytest.raises(InvalidTransition):
            apply_transition(application, event, demo.user(name), TRANSITIONS)
        db.session.rollback()
        assert application.state == state


# --- refused by who is acting ------------------------------------------------------------------

@pytest.mark.parametrize("case", USER_CASES, ids=_case_id)
def test_transition_by_wrong_actor_is_refused_and_changes_nothing(app, demo, case):
    event, state, kind = case
    application = _prepared(demo, event, state, kind)
    duty = EVENT_DUTY[event]
    wrong = {
        # wrong role: a reviewer of the province for the holder's steps, the holder for the
        # regulator's steps
        "role": demo.user("reviewer" if duty == "holder" else "holder"),
        "other province": demo.user("reviewer.js"),
        "other holder": demo.user("holder.bj"),
    }
    if duty == "approve":
        make_reviewer(demo, "reviewer2@demo.devreg", duties=("accept", "review"))
    if duty != "holder":
        wrong["no duty"] = demo.user(WITHOUT_DUTY[duty])
    for who, actor in wrong.items():
        try:
            _assert_refused(application, event, actor, Forbidden)
        except AssertionError as error:  # pragma: no cover - names the actor on failure
            raise AssertionError(f"{who}: {error}") from error


@pytest.mark.parametrize("event", ["request_supplement", "give_opinion"])
def test_review_step_by_reviewer_not_assigned_is_refused(app, demo, event):
    other = make_reviewer(demo, "reviewer2@demo.devreg", duties=("accept", "review"))
    application = _prepared(demo, event, S.IN_REVIEW, K.INITIAL)
    assert application.assigned_reviewer_id != other.id
    _assert_refused(application, event, other, Forbidden)


def test_qms_by_reviewer_not_assigned_is_refused(app, demo):
    other = make_reviewer(demo, "reviewer2@demo.devreg", duties=("review",))
    application = application_in(demo, K.INITIAL, S.IN_REVIEW)
    _assert_refused(application, "qms", other, Forbidden)
    assert application.qms_result is None


def test_assign_to_reviewer_without_review_duty_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.ACCEPTED)
    with pytest.raises(DomainError):
        perform("assign", application, demo.user("reviewer"), reviewer=demo.user("approver"))
    db.session.rollback()
    with pytest.raises(DomainError):
        perform("assign", application, demo.user("reviewer"),
                reviewer=demo.user("reviewer.js"))
    db.session.rollback()
    db.session.refresh(application)
    assert application.state == S.ACCEPTED
    assert application.assigned_reviewer_id is None


# --- refused by state and kind ----------------------------------------------------------------

REACHABLE = [(kind, state) for kind in ALL_KINDS for state in S
             if path_to(kind, state) is not None]


@pytest.mark.parametrize(("kind", "state"), REACHABLE,
                         ids=[f"{s.value}-{k.value}" for k, s in REACHABLE])
def test_actions_without_an_edge_are_refused_and_change_nothing(app, demo, kind, state):
    application = application_in(demo, kind, state)
    allowed = {event for (event, source), kinds in KINDS_FOR_EDGE.items()
               if source == state and kind in kinds}
    tried = 0
    for action, events in USER_ACTIONS.items():
        if allowed & set(events):
            continue
        actor = right_actor(events[0], application)
        try:
            _assert_refused(application, action, actor, DomainError)
        except AssertionError as error:  # pragma: no cover - names the action on failure
            raise AssertionError(f"{action}: {error}") from error
        tried += 1
    assert tried >= len(USER_ACTIONS) - 4


def test_accept_twice_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.ACCEPTED)
    number = application.acceptance_number
    _assert_refused(application, "accept", demo.user("reviewer"), InvalidTransition)
    assert application.acceptance_number == number


@pytest.mark.parametrize("kind", REVIEWED_KINDS)
@pytest.mark.parametrize("event", ["approve", "refuse"])
def test_decision_on_reviewed_kind_still_in_accepted_is_refused(app, demo, kind, event):
    application = application_in(demo, kind, S.ACCEPTED)
    _assert_refused(application, event, demo.user("approver"), InvalidTransition)
    assert application.certificate_id is None or kind is not K.INITIAL


def test_assign_on_cancellation_is_refused_it_goes_to_the_decision(app, demo):
    application = application_in(demo, K.CANCELLATION, S.ACCEPTED)
    _assert_refused(application, "assign", demo.user("reviewer"), InvalidTransition)


def test_correction_notice_twice_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.CORRECTION_REQUESTED)
    perform("resubmit", application, demo.user("holder"))
    db.session.commit()
    assert application.state == S.SUBMITTED
    _assert_refused(application, "request_correction", demo.user("reviewer"), DomainError)
    assert application.correction_items.startswith("1. 申请表缺少签章")


def test_correction_notice_while_one_is_pending_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.CORRECTION_REQUESTED)
    _assert_refused(application, "request_correction", demo.user("reviewer"), DomainError)


def test_supplement_request_twice_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED)
    perform("answer_supplement", application, demo.user("holder"))
    db.session.commit()
    assert application.state == S.IN_REVIEW
    _assert_refused(application, "request_supplement", demo.user("reviewer"), DomainError)
    assert application.supplement_deadline is not None


def test_change_filing_submission_is_filed_without_acceptance(app, demo):
    application = application_in(demo, K.CHANGE_FILING, S.DRAFT)
    perform("submit", application, demo.user("holder"))
    db.session.commit()
    assert application.state == S.FILED
    assert application.acceptance_number is None


def test_opinion_on_initial_without_qms_result_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW)
    _assert_refused(application, "give_opinion", demo.user("reviewer"), DomainError)


def test_opinion_recommending_approval_after_failed_qms_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW)
    from devreg.review import services as review

    review.record_qms(application, actor=demo.user("reviewer"), result="fail",
                      notes="不符合", today=application.accepted_on)
    db.session.commit()
    _assert_refused(application, "give_opinion", demo.user("reviewer"), DomainError)
    perform("give_opinion", application, demo.user("reviewer"), recommendation="refuse")
    db.session.commit()
    assert application.state == S.REVIEW_DONE
    assert application.opinion == "refuse"


def test_submit_with_missing_chapter_is_refused_with_the_list(app, demo):
    from devreg.registrations import services as svc

    application = application_in(demo, K.INITIAL, S.DRAFT)
    for record in application.files:
        if record.chapter == "4":
            record.is_current = False
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        svc.submit_application(application, actor=demo.user("holder"), password="devreg-demo",
                               declaration=True, today=application.created_at.date())
    assert len(refused.value.details) == 1
    assert refused.value.details[0].startswith("4.")
    db.session.rollback()
    assert application.state == S.DRAFT


def test_submit_without_declaration_or_with_wrong_password_is_refused(app, demo):
    from devreg.registrations import services as svc

    application = application_in(demo, K.INITIAL, S.DRAFT)
    holder = demo.user("holder")
    for declaration, password in ((False, "devreg-demo"), (True, "wrong-password")):
        with pytest.raises(DomainError):
            svc.submit_application(application, actor=holder, password=password,
                                   declaration=declaration, today=application.created_at.date())
        db.session.rollback()
        db.session.refresh(application)
        assert application.state == S.DRAFT
        assert application.received_on is None
