"""The pure working-day arithmetic (no database)."""

from datetime import date

import pytest

from devreg.workdays.calendar import (
    DayKind,
    DueDate,
    ScheduleProblem,
    WorkdayCalendar,
    YearSource,
    library_schedule,
    library_years,
    schedule_problems,
    supplement_answer_deadline,
)

CAL = WorkdayCalendar()


def test_library_years_cover_2004_to_2026():
    years = library_years(2026)
    assert years[0] == 2004
    assert years[-1] >= 2026
    assert CAL.year_source(2026) is YearSource.LIBRARY


def test_add_working_days_friday_event_skips_weekend():
    assert date(2026, 11, 27).weekday() == 4
    assert CAL.add_working_days(date(2026, 11, 27), 1) == DueDate(date(2026, 11, 30), False)
    assert CAL.add_working_days(date(2026, 11, 27), 6).due == date(2026, 12, 7)


def test_add_working_days_day_one_is_first_working_day_after_event():
    assert CAL.add_working_days(date(2026, 11, 25), 1).due == date(2026, 11, 26)
    # an event on a Saturday: day 1 is Monday
    assert CAL.add_working_days(date(2026, 11, 28), 1).due == date(2026, 11, 30)
    # an event on a holiday is no different
    assert CAL.add_working_days(date(2026, 10, 3), 1).due == date(2026, 10, 8)


def test_add_working_days_national_day_holiday_skipped():
    # 2026-10-01 (Thu) .. 10-07 are National Day holidays
    assert all(not CAL.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert CAL.add_working_days(date(2026, 9, 30), 1).due == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 9, 29), 2).due == date(2026, 10, 8)


def test_add_working_days_adjusted_saturday_counts():
    saturday = date(2026, 10, 10)
    assert saturday.weekday() == 5
    assert CAL.is_workday(saturday)  # 国庆节调休
    assert CAL.add_working_days(date(2026, 10, 9), 1).due == saturday
    assert CAL.add_working_days(date(2026, 10, 9), 2).due == date(2026, 10, 12)
    assert CAL.is_workday(date(2026, 9, 20))  # a Sunday worked before National Day


def test_add_working_days_rejects_empty_clock():
    with pytest.raises(ValueError, match="at least one"):
        CAL.add_working_days(date(2026, 11, 25), 0)


def test_working_days_between_counts_after_start_up_to_end():
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1
    assert CAL.working_days_between(date(2026, 11, 30), date(2026, 11, 30)) == 0
    assert CAL.working_days_between(date(2026, 12, 1), date(2026, 11, 30)) == 0


def test_working_days_between_matches_add_working_days():
    start = date(2026, 9, 1)
    due = CAL.add_working_days(start, 60).due
    assert CAL.working_days_between(start, due) == 60


def test_paused_period_days_do_not_count():
    start, today = date(2026, 11, 2), date(2026, 11, 20)
    assert CAL.working_days_between(start, today) == 14
    # stopped on Fri 11-06 (that day counted), resumed Fri 11-13: 11-09..11-13 left out
    paused = [(date(2026, 11, 6), date(2026, 11, 13))]
    assert CAL.working_days_elapsed_excluding(start, today, paused) == 9


def test_open_pause_stops_the_clock():
    paused = [(date(2026, 11, 6), None)]
    assert CAL.working_days_elapsed_excluding(date(2026, 11, 2), date(2026, 11, 30), paused) == 4


def test_sixty_day_clock_into_unknown_year_is_provisional():
    due = CAL.add_working_days(date(2026, 11, 25), 60)
    assert due == DueDate(date(2027, 2, 17), True)
    assert CAL.is_provisional(date(2027, 1, 4))
    assert not CAL.is_provisional(date(2026, 12, 31))
    assert CAL.year_source(2027) is YearSource.PROVISIONAL
    assert not CAL.add_working_days(date(2026, 11, 25), 20).provisional


def test_unknown_year_falls_back_to_weekends():
    assert CAL.is_workday(date(2027, 1, 1))  # a Friday; 元旦 unknown until entered
    assert not CAL.is_workday(date(2027, 1, 2))


def test_official_year_overrides_library():
    cal = WorkdayCalendar(official={2026: {date(2026, 10, 12): DayKind.HOLIDAY}})
    assert cal.year_source(2026) is YearSource.OFFICIAL
    assert cal.is_workday(date(2026, 10, 1))  # not in the entered schedule
    assert not cal.is_workday(date(2026, 10, 12))
    assert not cal.is_workday(date(2026, 10, 10))  # the entered year has no adjusted workday


def test_official_year_ends_provisional_and_moves_due_date():
    cal = WorkdayCalendar(official={2027: {date(2027, 1, 1): "holiday",
                                           date(2027, 2, 20): "workday"}})
    assert cal.add_working_days(date(2026, 11, 25), 60) == DueDate(date(2027, 2, 18), False)
    assert cal.is_workday(date(2027, 2, 20))


def test_regulator_holiday_is_not_a_working_day():
    cal = WorkdayCalendar(regulator_holidays=[date(2026, 11, 26), date(2026, 10, 10)])
    assert cal.add_working_days(date(2026, 11, 25), 1).due == date(2026, 11, 27)
    assert not cal.is_workday(date(2026, 10, 10))  # even an adjusted workday


def test_schedule_problems_reports_each_entry():
    entries = [
        (date(2027, 1, 1), "holiday", "元旦"),
        (date(2026, 12, 31), "holiday", "元旦"),
        (date(2027, 1, 1), "holiday", "元旦"),
        (date(2027, 3, 1), "workday", "调休"),
        (date(2027, 3, 6), "off", "x"),
        (date(2027, 3, 7), "workday", " "),
    ]
    assert schedule_problems(2027, entries) == [
        (1, ScheduleProblem.OTHER_YEAR),
        (2, ScheduleProblem.DUPLICATE),
        (3, ScheduleProblem.WORKDAY_NOT_WEEKEND),
        (4, ScheduleProblem.UNKNOWN_KIND),
        (5, ScheduleProblem.NO_NAME),
    ]
    assert schedule_problems(2027, [(date(2027, 2, 20), "workday", "调休")]) == [
        (None, ScheduleProblem.NO_HOLIDAY)]


def test_library_schedule_lists_holidays_and_adjusted_workdays():
    entries = library_schedule(2026)
    assert (date(2026, 10, 3), DayKind.HOLIDAY, "National Day") in entries
    assert (date(2026, 10, 10), DayKind.WORKDAY, "National Day") in entries
    assert library_schedule(2027) == []
    # entering the library's own table changes nothing
    cal = WorkdayCalendar(official={2026: {d: k for d, k, _n in entries}})
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert cal.is_workday(day) == CAL.is_workday(day), day
        day = date.fromordinal(day.toordinal() + 1)


def test_supplement_answer_deadline_is_one_calendar_year():  # without a calendar: no roll
    assert supplement_answer_deadline(date(2026, 11, 25)) == date(2027, 11, 25)
    assert supplement_answer_deadline(date(2028, 2, 29)) == date(2029, 2, 28)
