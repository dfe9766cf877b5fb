"""The statutory clocks in Chinese working days (docs/rules.md §3): acceptance 5, review 60
from acceptance, stopped during the supplement and restarted from the answer; overdue and
due-soon flags; weekends, public holidays and adjusted workdays (调休) of 2026 as
chinese_calendar knows them; provisional due dates in 2027; per-province limits and the
snapshot taken on acceptance."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from devreg.extensions import db
from devreg.registrations.clocks import clock_for
from devreg.workdays import services as workdays
from devreg.workdays.models import LIMITED_STAGES, Stage
from tests.registrations.helpers import (
    K,
    S,
    app_path,
    application_in,
    client_for,
    perform,
    text_of,
)

MON = date(2026, 3, 2)


def nth_working_day_after(start: date, n: int, holidays: set[date] = frozenset()) -> date:  # type: ignore[assignment]
    """Independent oracle: the library's table for the years it knows, else weekends plus
    ``holidays``."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            working = day.weekday() < 5 and day not in holidays
        counted += working
    return day


def _submitted(demo, received: date, holder="holder"):  # type: ignore[no-untyped-def]
    return application_in(demo, K.INITIAL, S.SUBMITTED, today=received, holder=holder)


# --- acceptance clock ------------------------------------------------------------------------

def test_acceptance_clock_is_five_working_days_from_receipt(app, demo):
    application = _submitted(demo, MON)
    clock = clock_for(application, date(2026, 3, 4))
    assert clock.stage is Stage.ACCEPTANCE
    assert clock.limit == 5
    assert clock.started_on == MON
    assert clock.due == date(2026, 3, 9)
    assert (clock.used, clock.left) == (2, 3)
    assert not clock.provisional
    assert not clock.paused


@pytest.mark.parametrize(("received", "due"), [
    # Thursday: Friday 1, the weekend is skipped, Monday-Thursday 2-5
    (date(2026, 3, 5), date(2026, 3, 12)),
    # National Day 1-7 October: Thursday 8 is day 1, Friday 9 day 2, Saturday 10 is an
    # adjusted workday (day 3), Monday 12 day 4, Tuesday 13 day 5
    (date(2026, 9, 30), date(2026, 10, 13)),
    # Labour Day 1-5 May: 6, 7, 8 May, Saturday 9 May (adjusted workday), Monday 11 May
    (date(2026, 4, 30), date(2026, 5, 11)),
    # Spring Festival: Saturday 14 February is an adjusted workday (day 1), 15-23 February
    # are holidays, then 24-27 February
    (date(2026, 2, 13), date(2026, 2, 27)),
], ids=["weekend", "national-day-and-adjusted-saturday", "labour-day", "spring-festival"])
def test_acceptance_due_date_follows_weekends_holidays_and_adjusted_workdays(app, demo,
                                                                             received, due):
    application = _submitted(demo, received)
    clock = clock_for(application, received)
    assert clock.due == due
    assert clock.due == nth_working_day_after(received, 5)


def test_acceptance_clock_on_due_date_is_due_soon_and_the_day_after_overdue(app, demo):
    application = _submitted(demo, MON)
    on_due = clock_for(application, date(2026, 3, 9))
    assert (on_due.used, on_due.left, on_due.overdue, on_due.due_soon) == (5, 0, False, True)
    after = clock_for(application, date(2026, 3, 10))
    assert (after.used, after.overdue, after.due_soon) == (6, True, False)


def test_acceptance_clock_weekend_after_due_date_is_not_yet_overdue(app, demo):
    application = _submitted(demo, date(2026, 3, 6))  # due Friday 13 March
    assert clock_for(application, date(2026, 3, 13)).due == date(2026, 3, 13)
    assert not clock_for(application, date(2026, 3, 14)).overdue  # Saturday
    assert clock_for(application, date(2026, 3, 16)).overdue  # Monday


# --- technical review clock -------------------------------------------------------------------

def test_review_clock_is_sixty_working_days_from_acceptance(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    clock = clock_for(application, date(2026, 3, 16))
    assert clock.stage is Stage.TECHNICAL_REVIEW
    assert clock.limit == 60
    assert clock.started_on == application.accepted_on == MON
    # March 21 days, April 21 (Qingming 4-6 April), May: 6-8, Saturday 9, 11-28 (Labour Day)
    assert clock.due == date(2026, 5, 28) == nth_working_day_after(MON, 60)
    assert (clock.used, clock.left) == (10, 50)


def test_review_clock_accepted_but_unassigned_already_runs(app, demo):
    application = application_in(demo, K.INITIAL, S.ACCEPTED, today=MON)
    clock = clock_for(application, date(2026, 3, 3))
    assert clock.stage is Stage.TECHNICAL_REVIEW
    assert clock.used == 1


def test_review_clock_due_soon_at_a_fifth_of_the_limit_left(app, demo):
    """Due soon means at most 20 % of the stage's limit left: 12 of 60 working days."""
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    thirteen_left = clock_for(application, date(2026, 5, 11))
    twelve_left = clock_for(application, date(2026, 5, 12))
    assert (thirteen_left.left, thirteen_left.due_soon) == (13, False)
    assert (twelve_left.left, twelve_left.due_soon, twelve_left.overdue) == (12, True, False)
    overdue = clock_for(application, date(2026, 5, 29))
    assert overdue.overdue
    assert not overdue.due_soon


def test_review_clock_stops_during_supplement_whatever_today_is(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    perform("request_supplement", application, demo.user("reviewer"), today=date(2026, 3, 16))
    db.session.commit()
    for today in (date(2026, 3, 16), date(2026, 3, 17), date(2026, 6, 1), date(2027, 3, 1)):
        clock = clock_for(application, today)
        assert clock.paused
        assert clock.stage is Stage.TECHNICAL_REVIEW
        assert (clock.used, clock.left) == (10, 50), today
        assert not clock.overdue
        assert not clock.due_soon
        assert clock.holder_deadline == date(2027, 3, 16)


def test_review_clock_after_supplement_answer_is_a_new_sixty_day_clock(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    perform("request_supplement", application, demo.user("reviewer"), today=date(2026, 3, 16))
    perform("answer_supplement", application, demo.user("holder"), today=date(2026, 6, 1))
    db.session.commit()
    clock = clock_for(application, date(2026, 6, 3))
    assert clock.stage is Stage.SUPPLEMENT_REVIEW
    assert not clock.paused
    assert clock.started_on == date(2026, 6, 1)
    assert clock.limit == 60
    assert (clock.used, clock.left) == (2, 58)
    assert clock.due == nth_working_day_after(date(2026, 6, 1), 60)


def test_decision_clock_runs_from_the_opinion(app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE, today=MON)
    clock = clock_for(application, date(2026, 3, 3))
    assert clock.stage is Stage.DECISION
    assert clock.limit == 20
    assert clock.due == nth_working_day_after(MON, 20)


def test_clock_none_for_draft_correction_and_closed_applications(app, demo):
    for state in (S.DRAFT, S.CORRECTION_REQUESTED, S.APPROVED, S.WITHDRAWN):
        assert clock_for(application_in(demo, K.INITIAL, state), MON) is None, state


# --- provisional years ------------------------------------------------------------------------

def test_review_clock_ending_in_2027_is_provisional_until_the_year_is_entered(app, demo):
    accepted = date(2026, 11, 25)
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=accepted)
    before = clock_for(application, accepted)
    assert before.provisional
    assert before.due.year == 2027
    assert before.due == nth_working_day_after(accepted, 60)  # weekends alone in 2027

    holidays = {date(2027, 1, 1)} | {date(2027, 2, 8) + timedelta(days=i) for i in range(5)}
    workdays.enter_year(2027, [(d, "holiday", "节假日") for d in sorted(holidays)],
                        actor=demo.user("admin"))
    db.session.commit()
    after = clock_for(application, accepted)
    assert not after.provisional
    assert after.due == nth_working_day_after(accepted, 60, holidays) > before.due


def test_review_clock_within_2026_is_not_provisional(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    assert not clock_for(application, MON).provisional


# --- per-province limits and the snapshot ----------------------------------------------------

def test_time_limit_setting_moves_the_due_date_in_that_province_only(app, demo):
    hebei = _submitted(demo, MON)
    beijing = _submitted(demo, MON, holder="holder.bj")
    assert (hebei.province_code, beijing.province_code) == ("13", "11")
    workdays.set_time_limit("13", Stage.ACCEPTANCE, 3, actor=demo.user("admin"))
    db.session.commit()
    assert clock_for(hebei, MON).limit == 3
    assert clock_for(hebei, MON).due == date(2026, 3, 5)
    assert clock_for(beijing, MON).limit == 5
    assert clock_for(beijing, MON).due == date(2026, 3, 9)


def test_regulator_holiday_moves_the_due_date_in_that_province_only(app, demo):
    hebei = _submitted(demo, MON)
    beijing = _submitted(demo, MON, holder="holder.bj")
    workdays.add_regulator_holiday("13", date(2026, 3, 4), "系统维护", actor=demo.user("admin"))
    db.session.commit()
    assert clock_for(hebei, MON).due == date(2026, 3, 10)
    assert clock_for(beijing, MON).due == date(2026, 3, 9)


def test_acceptance_stores_the_time_limits_snapshot_that_later_settings_do_not_move(app, demo):
    admin = demo.user("admin")
    workdays.set_time_limit("13", Stage.TECHNICAL_REVIEW, 30, actor=admin)
    db.session.commit()
    first = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    assert first.time_limits["technical_review"] == 30
    assert first.time_limits["acceptance"] == 5
    assert first.time_limits["decision"] == 20
    assert set(first.time_limits) == {stage.value for stage in LIMITED_STAGES}
    assert clock_for(first, MON).due == nth_working_day_after(MON, 30) == date(2026, 4, 14)

    workdays.set_time_limit("13", Stage.TECHNICAL_REVIEW, 45, actor=admin)
    db.session.commit()
    assert clock_for(first, MON).limit == 30
    second = application_in(demo, K.INITIAL, S.IN_REVIEW, today=MON)
    assert clock_for(second, MON).limit == 45


def test_deemed_acceptance_also_stores_the_snapshot(app, demo):
    workdays.set_time_limit("13", Stage.TECHNICAL_REVIEW, 40, actor=demo.user("admin"))
    application = _submitted(demo, MON)
    perform("deem_accepted", application, None, today=date(2026, 3, 10))
    db.session.commit()
    assert application.time_limits["technical_review"] == 40


# --- the clock on the pages -------------------------------------------------------------------

def test_application_page_shows_stage_days_due_date_and_overdue_flag(app, demo):
    application = _submitted(demo, MON)  # the page counts to the real today: long overdue
    page = text_of(client_for(app, "reviewer").get(app_path(application)))
    assert 'data-testid="clock"' in page
    assert 'data-testid="overdue"' in page
    assert "Acceptance decision after submission" in page
    assert "2026-03-09" in page
    assert "5 working days" in page


def test_application_page_shows_the_clock_stopped_during_the_supplement(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
    page = text_of(client_for(app, "holder").get(app_path(application)))
    assert "Clock stopped" in page
    assert 'data-testid="overdue"' not in page
    assert "2027-03-02" in page  # the holder's deadline, one calendar year


def test_fresh_acceptance_file_is_not_due_soon_until_one_working_day_is_left(app, demo):
    """A 5-day acceptance clock: a fifth of the limit is 1 working day."""
    application = _submitted(demo, MON)
    assert (clock_for(application, MON).left, clock_for(application, MON).due_soon) == (5, False)
    two_left = clock_for(application, date(2026, 3, 5))
    one_left = clock_for(application, date(2026, 3, 6))
    assert (two_left.left, two_left.due_soon) == (2, False)
    assert (one_left.left, one_left.due_soon) == (1, True)
