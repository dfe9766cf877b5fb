"""Clock pauses as data (Order 47 Art 98, Art 57) and the extension (Art 96): the clock's used,
left and due values come from the application's list of pauses; every pause kind is walked
across the 2026 Labour Day holidays and the adjusted workday (调休) Saturday 9 May."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from werkzeug.exceptions import Forbidden

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations.clocks import clock_for, clock_periods
from devreg.registrations.models import ClockExtension, ClockPause, PauseReason
from devreg.review import services as review
from devreg.workdays.models import Stage
from tests.registrations.helpers import (
    PASSWORD,
    K,
    S,
    application_in,
    make_reviewer,
    perform,
)

ACCEPTED = date(2026, 4, 27)  # Monday
STOPPED = date(2026, 4, 29)  # Wednesday: still counted
RESUMED = date(2026, 5, 8)  # Friday: not counted; Saturday 9 May (调休) counts again
AFTER = date(2026, 5, 11)  # Monday


def counted(start: date, today: date, pauses: list[tuple[date, date | None]]) -> int:
    """Independent oracle: chinese_calendar working days after ``start`` up to ``today``,
    leaving out the days after each pause's start up to its end."""
    n, day = 0, start
    while day < today:
        day += timedelta(days=1)
        if any(a < day and (b is None or day <= b) for a, b in pauses):
            continue
        n += chinese_calendar.is_workday(day)
    return n


def due_by_oracle(start: date, limit: int, pauses: list[tuple[date, date | None]]) -> date:
    n, day = 0, start
    while n < limit:
        day += timedelta(days=1)
        if any(a < day and (b is None or day <= b) for a, b in pauses):
            continue
        n += chinese_calendar.is_workday(day)
    return day


def in_review(demo, today=ACCEPTED):  # type: ignore[no-untyped-def]
    return application_in(demo, K.INITIAL, S.IN_REVIEW, today=today)


def pause(application, reason: PauseReason, on: date) -> None:  # type: ignore[no-untyped-def]
    reviewer = application.assigned_reviewer
    if reason is PauseReason.QMS_VERIFICATION:
        review.start_qms(application, actor=reviewer, today=on)
    else:
        review.record_pause(application, actor=reviewer, password=PASSWORD,
                            reason=reason.value, notice="需外聘专家咨询，审评时限暂停", today=on)
    db.session.commit()


def resume(application, reason: PauseReason, on: date) -> None:  # type: ignore[no-untyped-def]
    reviewer = application.assigned_reviewer
    if reason is PauseReason.QMS_VERIFICATION:
        review.record_qms(application, actor=reviewer, result="pass", notes="", today=on)
    else:
        review.resume_clock(application, actor=reviewer, today=on)
    db.session.commit()


PAUSE_KINDS = [PauseReason.QMS_VERIFICATION, PauseReason.RECTIFICATION,
               PauseReason.HOLDER_DELAY, PauseReason.EXPERT_CONSULTATION,
               PauseReason.SUSPENSION]


@pytest.mark.parametrize("reason", PAUSE_KINDS, ids=[r.value for r in PAUSE_KINDS])
def test_pause_of_each_kind_leaves_out_its_days_across_labour_day_and_the_adjusted_saturday(
        app, demo, reason):
    application = in_review(demo)
    pause(application, reason, STOPPED)
    during = clock_for(application, date(2026, 5, 6))
    assert during.paused
    assert during.pause_reason is reason
    assert during.stage is Stage.TECHNICAL_REVIEW
    assert (during.used, during.left) == (2, 58)  # 28 and 29 April
    assert not during.overdue and not during.due_soon

    resume(application, reason, RESUMED)
    clock = clock_for(application, AFTER)
    assert not clock.paused
    # 28, 29 April; the pause; Saturday 9 May (adjusted workday) and Monday 11 May
    assert clock.used == counted(ACCEPTED, AFTER, [(STOPPED, RESUMED)]) == 4
    assert clock.left == 56
    assert clock.due == due_by_oracle(ACCEPTED, 60, [(STOPPED, RESUMED)])
    # without the pause the clock would be due 6 working days earlier
    assert clock.due > due_by_oracle(ACCEPTED, 60, [])

    recorded = db.session.query(ClockPause).filter_by(application_id=application.id).one()
    assert (recorded.reason, recorded.started_on, recorded.ended_on) == (
        reason.value, STOPPED, RESUMED)
    assert recorded.started_by_id == application.assigned_reviewer_id
    assert recorded.ended_by_id == application.assigned_reviewer_id


def test_pause_still_open_keeps_the_clock_standing_whatever_today_is(app, demo):
    application = in_review(demo)
    pause(application, PauseReason.SUSPENSION, STOPPED)
    for today in (STOPPED, date(2026, 5, 9), date(2026, 9, 1), date(2027, 3, 1)):
        clock = clock_for(application, today)
        assert (clock.used, clock.paused, clock.overdue) == (2, True, False), today


def test_supplement_pause_is_recorded_and_ended_by_the_answer(app, demo):
    application = in_review(demo)
    perform("request_supplement", application, application.assigned_reviewer, today=STOPPED)
    db.session.commit()
    clock = clock_for(application, AFTER)
    assert (clock.paused, clock.pause_reason, clock.used) == (True, PauseReason.SUPPLEMENT, 2)
    perform("answer_supplement", application, demo.user("holder"), today=RESUMED)
    db.session.commit()
    supplement = application.clock_pauses[0]
    assert (supplement.reason, supplement.started_on, supplement.ended_on) == (
        "supplement", STOPPED, RESUMED)
    assert supplement.signature_id is not None  # the signed supplement notice
    clock = clock_for(application, AFTER)
    assert clock.stage is Stage.SUPPLEMENT_REVIEW
    assert clock.used == 2  # Saturday 9 (调休) and Monday 11 May of the new 60-day clock


def test_pauses_in_the_new_review_clock_after_the_supplement_are_left_out_too(app, demo):
    application = in_review(demo, today=date(2026, 4, 1))
    perform("request_supplement", application, application.assigned_reviewer,
            today=date(2026, 4, 2))
    perform("answer_supplement", application, demo.user("holder"), today=ACCEPTED)
    db.session.commit()
    pause(application, PauseReason.EXPERT_CONSULTATION, STOPPED)
    resume(application, PauseReason.EXPERT_CONSULTATION, RESUMED)
    clock = clock_for(application, AFTER)
    assert clock.stage is Stage.SUPPLEMENT_REVIEW
    assert clock.used == counted(ACCEPTED, AFTER, [(STOPPED, RESUMED)]) == 4


def test_two_pauses_one_after_the_other_both_leave_out_their_days(app, demo):
    application = in_review(demo)
    pause(application, PauseReason.QMS_VERIFICATION, STOPPED)
    resume(application, PauseReason.QMS_VERIFICATION, date(2026, 4, 30))
    pause(application, PauseReason.RECTIFICATION, date(2026, 5, 6))
    resume(application, PauseReason.RECTIFICATION, RESUMED)
    pauses = [(STOPPED, date(2026, 4, 30)), (date(2026, 5, 6), RESUMED)]
    clock = clock_for(application, AFTER)
    assert clock.used == counted(ACCEPTED, AFTER, pauses) == 5  # 28, 29 April, 6 May, 9, 11
    assert clock.due == due_by_oracle(ACCEPTED, 60, pauses)
    periods = clock_periods(application, AFTER)
    assert [(p.running, p.started_on, p.ended_on) for p in periods] == [
        (True, ACCEPTED, STOPPED), (False, STOPPED, date(2026, 4, 30)),
        (True, date(2026, 4, 30), date(2026, 5, 6)), (False, date(2026, 5, 6), RESUMED),
        (True, RESUMED, None)]
    assert sum(p.working_days for p in periods if p.running) == clock.used


def test_second_pause_while_one_is_open_is_refused(app, demo):
    application = in_review(demo)
    pause(application, PauseReason.EXPERT_CONSULTATION, STOPPED)
    with pytest.raises(DomainError):
        pause(application, PauseReason.SUSPENSION, date(2026, 5, 6))
    db.session.rollback()
    assert len(application.clock_pauses) == 1


def test_database_refuses_a_second_open_pause(app, demo):
    from sqlalchemy.exc import IntegrityError

    application = in_review(demo)
    for reason in ("suspension", "holder_delay"):
        db.session.add(ClockPause(application_id=application.id, reason=reason,
                                  started_on=STOPPED))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_qms_started_twice_is_refused(app, demo):
    application = in_review(demo)
    pause(application, PauseReason.QMS_VERIFICATION, STOPPED)
    resume(application, PauseReason.QMS_VERIFICATION, date(2026, 4, 30))
    with pytest.raises(DomainError):  # QMS already started and recorded once
        review.start_qms(application, actor=application.assigned_reviewer, today=RESUMED)
    db.session.rollback()


def test_qms_result_without_start_is_a_zero_day_verification(app, demo):
    application = in_review(demo)
    resume(application, PauseReason.QMS_VERIFICATION, STOPPED)
    assert application.qms_started_on == STOPPED
    assert clock_for(application, AFTER).used == counted(ACCEPTED, AFTER, [])


def test_pause_without_notice_or_by_a_holder_is_refused(app, demo):
    application = in_review(demo)
    with pytest.raises(DomainError):
        review.record_pause(application, actor=application.assigned_reviewer,
                            password=PASSWORD, reason="suspension", notice="", today=STOPPED)
    with pytest.raises(DomainError):
        review.record_pause(application, actor=application.assigned_reviewer,
                            password=PASSWORD, reason="supplement", notice="x", today=STOPPED)
    with pytest.raises(Forbidden):
        review.record_pause(application, actor=demo.user("holder"), password=PASSWORD,
                            reason="suspension", notice="x", today=STOPPED)
    with pytest.raises(Forbidden):  # approver without the review duty
        review.record_pause(application, actor=demo.user("approver"), password=PASSWORD,
                            reason="suspension", notice="x", today=STOPPED)
    db.session.rollback()
    assert application.clock_pauses == []


def test_pause_with_a_wrong_password_is_not_recorded(app, demo):
    application = in_review(demo)
    with pytest.raises(DomainError):
        review.record_pause(application, actor=application.assigned_reviewer,
                            password="wrong", reason="suspension", notice="中止", today=STOPPED)
    db.session.rollback()
    assert application.clock_pauses == []


def test_withdrawal_ends_an_open_pause(app, demo):
    application = in_review(demo)
    pause(application, PauseReason.SUSPENSION, STOPPED)
    perform("withdraw", application, demo.user("holder"), today=RESUMED)
    db.session.commit()
    assert application.clock_pauses[0].ended_on == RESUMED


# --- extension (Art 96) ---------------------------------------------------------------------

def extend(application, days: int, *, actor=None, today=AFTER):  # type: ignore[no-untyped-def]
    from tests.registrations.helpers import right_actor

    return review.extend_clock(application, actor=actor or right_actor("approve", application),
                               password=PASSWORD, working_days=days,
                               reason="产品特性复杂，需延长审评时限", today=today)


def test_extension_of_half_the_limit_moves_the_due_date(app, demo):
    application = in_review(demo)
    before = clock_for(application, AFTER)
    extend(application, 30)
    db.session.commit()
    after = clock_for(application, AFTER)
    assert (after.limit, after.base_limit, after.extended_by) == (90, 60, 30)
    assert after.left == before.left + 30
    assert after.due == due_by_oracle(ACCEPTED, 90, [])
    extension = db.session.query(ClockExtension).one()
    assert (extension.stage, extension.working_days) == ("technical_review", 30)
    assert extension.signature_id is not None


def test_extension_over_half_the_limit_is_refused_with_the_maximum(app, demo):
    application = in_review(demo)
    with pytest.raises(DomainError) as refused:
        extend(application, 31)
    assert "30" in refused.value.message
    db.session.rollback()
    assert clock_for(application, AFTER).limit == 60


def test_second_extension_of_the_same_stage_is_refused(app, demo):
    application = in_review(demo)
    extend(application, 10)
    db.session.commit()
    with pytest.raises(DomainError):
        extend(application, 5)
    db.session.rollback()
    assert clock_for(application, AFTER).limit == 70


def test_database_refuses_a_second_extension_of_a_stage(app, demo):
    from sqlalchemy.exc import IntegrityError

    application = in_review(demo)
    first = extend(application, 10)
    db.session.commit()
    db.session.add(ClockExtension(application_id=application.id, stage="technical_review",
                                  working_days=5, reason="x", granted_by_id=first.granted_by_id,
                                  granted_on=AFTER, signature_id=first.signature_id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_extension_half_of_a_province_limit_follows_the_snapshot(app, demo):
    from devreg.workdays import services as workdays

    workdays.set_time_limit("13", Stage.TECHNICAL_REVIEW, 45, actor=demo.user("admin"))
    db.session.commit()
    application = in_review(demo)
    with pytest.raises(DomainError):
        extend(application, 23)
    db.session.rollback()
    extend(application, 22)
    db.session.commit()
    assert clock_for(application, AFTER).limit == 67


def test_extension_needs_the_approve_duty(app, demo):
    application = in_review(demo)
    with pytest.raises(Forbidden):
        extend(application, 10, actor=application.assigned_reviewer)
    js = make_reviewer(demo, "approver.js@demo.devreg", org="reg_jiangsu", duties=("approve",))
    with pytest.raises(Forbidden):  # another province
        extend(application, 10, actor=js)
    db.session.rollback()


def test_extension_outside_technical_review_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, today=ACCEPTED)
    with pytest.raises(DomainError):
        extend(application, 5)
    db.session.rollback()
