"""Decisions the law requires (Order 47 Art 54, 55, 57): an unanswered supplement ends the review
and waits for a signed refusal (不予注册) in the approver's queue; the holder may withdraw, with
a reason, until the decision; the holder may object to a negative opinion within 15 working
days, the clock is paused while the objection is handled, and the reviewer records the outcome."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from sqlalchemy import select

from devreg.clock import china_today
from devreg.errors import DomainError, InvalidTransition
from devreg.extensions import db
from devreg.registrations.clocks import clock_for, objection_deadline
from devreg.registrations.models import PauseReason
from devreg.review.queries import queue_rows
from devreg.review.sweep import run_sweep
from devreg.signatures.models import Signature
from tests.registrations.helpers import (
    PASSWORD,
    K,
    S,
    app_path,
    application_in,
    client_for,
    perform,
    post_action,
    right_actor,
    submit_form,
    text_of,
)

MON = date(2026, 3, 2)


def _meanings(application) -> list[str]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(Signature.meaning).where(
        Signature.subject_type == "Application", Signature.subject_id == application.id)
        .order_by(Signature.id)))


# --- Art 54: termination, then a signed refusal ---------------------------------------------

def test_sweep_terminates_an_unanswered_supplement_without_deciding_it(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
    result = run_sweep(date(2027, 3, 3))
    db.session.commit()
    assert result.terminated == [application.id]
    assert application.state == S.TERMINATED
    assert application.terminated_on == date(2027, 3, 3)
    assert application.decided_on is None and application.decided_by_id is None
    assert "refused" not in _meanings(application)
    assert application.clock_pauses[0].ended_on == date(2027, 3, 3)


def test_terminated_application_is_listed_to_decide_in_the_approvers_queue(app, demo):
    application = application_in(demo, K.INITIAL, S.TERMINATED, today=MON)
    rows = queue_rows(demo.user("approver"), "decision", MON)
    assert [a.id for a, _clock in rows] == [application.id]
    body = text_of(client_for(app, "approver").get("/review/queue?stage=decision"))
    assert 'data-testid="to-decide"' in body
    assert application.reference in body
    chinese = text_of(client_for(app, "approver", lang="zh_CN").get(
        "/review/queue?stage=decision"))
    assert "待决定" in chinese


def test_approver_signs_the_refusal_after_termination(app, demo):
    application = application_in(demo, K.INITIAL, S.TERMINATED, today=MON)
    approver = demo.user("approver")
    with pytest.raises(InvalidTransition):
        perform("approve", application, approver, today=MON)
    db.session.rollback()
    perform("refuse", application, approver, today=date(2026, 3, 3))
    db.session.commit()
    assert application.state == S.REFUSED
    assert (application.decided_by_id, application.decided_on) == (approver.id,
                                                                    date(2026, 3, 3))
    assert _meanings(application)[-1] == "refused"
    assert application.certificate_id is None


def test_terminated_page_offers_the_approver_only_the_refusal(app, demo):
    application = application_in(demo, K.INITIAL, S.TERMINATED, today=MON)
    page = app_path(application)
    approver = client_for(app, "approver")
    body = text_of(approver.get(page))
    assert 'data-testid="terminated"' in body
    assert 'value="refuse"' in body
    assert 'value="approve"' not in body
    refused = submit_form(approver, page, f"/review{page}/decide", {
        "decision": "approve", "reasons": "", "signature_password": PASSWORD})
    assert refused.status_code == 400
    db.session.refresh(application)
    assert application.state == S.TERMINATED
    done = submit_form(approver, page, f"/review{page}/decide", {
        "decision": "refuse", "reasons": "逾期未提交补充资料，不予注册",
        "signature_password": PASSWORD})
    assert done.status_code == 302
    db.session.refresh(application)
    assert application.state == S.REFUSED
    holder_page = text_of(client_for(app, "holder", lang="zh_CN").get(page))
    assert "逾期未提交补充资料，不予注册" in holder_page
    assert "终止" in holder_page


# --- Art 55: withdrawal with a reason until the decision ------------------------------------

def test_withdrawal_after_the_review_opinion_is_allowed_and_the_reviewer_sees_the_reason(
        app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, today=MON)
    page = app_path(application)
    holder = client_for(app, "holder")
    response = submit_form(holder, page, f"{page}/withdraw", {"reason": "企业调整产品规划"})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == S.WITHDRAWN
    assert application.withdrawal_reason == "企业调整产品规划"
    body = text_of(client_for(app, "reviewer").get(page))
    assert 'data-testid="withdrawal"' in body
    assert "企业调整产品规划" in body


def test_withdrawal_without_a_reason_is_refused_after_submission(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    with pytest.raises(DomainError):
        perform("withdraw", application, demo.user("holder"), reason="")
    db.session.rollback()
    page = app_path(application)
    response = submit_form(client_for(app, "holder"), page, f"{page}/withdraw", {"reason": ""})
    assert response.status_code == 422
    assert "State the reason for withdrawing" in text_of(response)
    db.session.refresh(application)
    assert application.state == S.IN_REVIEW


def test_withdrawal_of_a_draft_needs_no_reason(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT, today=MON)
    perform("withdraw", application, demo.user("holder"), reason="")
    db.session.commit()
    assert application.state == S.WITHDRAWN


@pytest.mark.parametrize("state", [S.APPROVED, S.REFUSED, S.TERMINATED])
def test_withdrawal_after_the_decision_or_termination_is_refused(app, demo, state):
    application = application_in(demo, K.INITIAL, state, today=MON)
    with pytest.raises(InvalidTransition):
        perform("withdraw", application, demo.user("holder"))
    db.session.rollback()


# --- Art 57: objection to a negative opinion --------------------------------------------------

OPINION = date(2026, 9, 28)  # Monday before National Day (1-7 October, 10 October worked)


def fifteen_working_days_after(day: date) -> date:
    n = 0
    while n < 15:
        day += timedelta(days=1)
        n += chinese_calendar.is_workday(day)
    return day


def negative(demo, today=OPINION):  # type: ignore[no-untyped-def]
    return application_in(demo, K.INITIAL, S.REVIEW_DONE, today=today, negative=True)


def test_objection_deadline_is_fifteen_working_days_across_national_day(app, demo):
    application = negative(demo)
    deadline = objection_deadline(application)
    assert deadline == fifteen_working_days_after(OPINION) == date(2026, 10, 23)


def test_objection_on_the_last_day_pauses_the_decision_clock(app, demo):
    application = negative(demo)
    holder = demo.user("holder")
    perform("object", application, holder, today=date(2026, 10, 23))
    db.session.commit()
    assert application.state == S.OBJECTION
    clock = clock_for(application, date(2026, 11, 30))
    assert clock.paused and clock.pause_reason is PauseReason.OBJECTION
    # 29, 30 September, 8, 9, 10 (调休), 12-16, 19-23 October: counted until the objection
    assert clock.used == 15
    assert _meanings(application)[-1] == "objection_filed"

    perform("resolve_objection", application, application.assigned_reviewer,
            today=date(2026, 11, 2))
    db.session.commit()
    assert application.state == S.REVIEW_DONE
    assert application.objection_outcome == "maintained"
    clock = clock_for(application, date(2026, 11, 4))
    assert not clock.paused
    assert clock.used == 17  # 3 and 4 November after the answer on 2 November
    pause = application.clock_pauses[-1]
    assert (pause.reason, pause.started_on, pause.ended_on) == (
        "objection", date(2026, 10, 23), date(2026, 11, 2))


def test_objection_after_fifteen_working_days_is_refused(app, demo):
    application = negative(demo)
    with pytest.raises(DomainError) as refused:
        perform("object", application, demo.user("holder"), today=date(2026, 10, 24))
    assert "2026-10-23" in refused.value.message
    db.session.rollback()
    assert application.state == S.REVIEW_DONE


def test_objection_to_a_positive_opinion_or_twice_is_refused(app, demo):
    positive = application_in(demo, K.INITIAL, S.REVIEW_DONE, today=OPINION)
    with pytest.raises(DomainError):
        perform("object", positive, demo.user("holder"), today=OPINION)
    db.session.rollback()
    application = negative(demo)
    perform("object", application, demo.user("holder"), today=OPINION)
    perform("resolve_objection", application, application.assigned_reviewer, today=OPINION)
    db.session.commit()
    with pytest.raises(DomainError):
        perform("object", application, demo.user("holder"), today=OPINION)
    db.session.rollback()


def test_refusal_waits_for_the_objection_window_or_the_answer(app, demo):
    application = negative(demo)
    approver = right_actor("refuse", application)
    with pytest.raises(DomainError) as refused:
        perform("refuse", application, approver, today=date(2026, 10, 23))
    assert "2026-10-23" in refused.value.message
    db.session.rollback()
    perform("refuse", application, approver, today=date(2026, 10, 26))
    db.session.commit()
    assert application.state == S.REFUSED


def test_refusal_after_the_objection_is_answered_is_allowed_at_once(app, demo):
    application = negative(demo)
    perform("object", application, demo.user("holder"), today=OPINION)
    perform("resolve_objection", application, application.assigned_reviewer,
            today=date(2026, 9, 29))
    perform("refuse", application, right_actor("refuse", application), today=date(2026, 9, 29))
    db.session.commit()
    assert application.state == S.REFUSED


def test_objection_upheld_revises_the_opinion_so_approval_is_possible(app, demo):
    application = negative(demo)
    perform("object", application, demo.user("holder"), today=OPINION)
    perform("resolve_objection", application, application.assigned_reviewer, today=OPINION,
            outcome="revised")
    db.session.commit()
    assert application.opinion == "approve"
    perform("approve", application, right_actor("approve", application), today=OPINION)
    db.session.commit()
    assert application.state == S.APPROVED


def test_objection_outcome_by_the_holder_or_an_approver_is_refused(app, demo):
    from werkzeug.exceptions import Forbidden

    application = negative(demo)
    perform("object", application, demo.user("holder"), today=OPINION)
    db.session.commit()
    for name in ("holder", "approver", "reviewer.js"):
        with pytest.raises(Forbidden):
            perform("resolve_objection", application, demo.user(name), today=OPINION)
        db.session.rollback()
    assert application.state == S.OBJECTION


def test_objection_in_the_browser_in_both_languages(app, demo):
    application = negative(demo, today=china_today())
    page = app_path(application)
    holder = client_for(app, "holder")
    body = text_of(holder.get(page))
    assert 'data-testid="objection-window"' in body
    chinese = text_of(client_for(app, "holder", lang="zh_CN").get(page))
    assert "提出异议" in chinese
    response = submit_form(holder, page, f"{page}/objection", {
        "text": "检验报告已覆盖全部型号", "signature_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == S.OBJECTION

    reviewer = client_for(app, "reviewer")
    response = submit_form(reviewer, page, f"/review{page}/objection-outcome", {
        "outcome": "maintained", "text": "维持原审评结论", "signature_password": PASSWORD})
    assert response.status_code == 302
    body = text_of(client_for(app, "holder").get(page))
    assert 'data-testid="objection"' in body
    assert "Opinion maintained" in body
    assert "维持原审评结论" in body


def test_objection_form_is_not_offered_on_a_positive_opinion_and_posting_it_is_refused(
        app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, today=china_today())
    page = app_path(application)
    holder = client_for(app, "holder")
    assert f"{page}/objection" not in text_of(holder.get(page))
    response = post_action(holder, f"{page}/objection",
                           {"text": "异议", "signature_password": PASSWORD}, token_from=page)
    assert response.status_code == 422
    db.session.refresh(application)
    assert application.state == S.REVIEW_DONE
