"""The working-day index agrees with the day-by-day definition (``is_workday``) everywhere:
official years, the library's years, regulator holidays, the provisional fallback, and dates
outside the indexed window."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from devreg.workdays.calendar import INDEX_FIRST_YEAR, DayKind, WorkdayCalendar

ONE_DAY = timedelta(days=1)

#: an official 2027 (past the library's table) with a holiday week and an adjusted Saturday,
#: an official 2025 that overrides the library, and two regulator holidays
CALENDARS = [
    WorkdayCalendar(),
    WorkdayCalendar(
        official={
            2027: {**{date(2027, 2, d): DayKind.HOLIDAY for d in range(8, 15)},
                   date(2027, 2, 20): DayKind.WORKDAY},
            2025: {date(2025, 5, 5): DayKind.HOLIDAY},
            2031: {},
        },
        regulator_holidays=[date(2026, 3, 3), date(2027, 2, 22), date(2040, 1, 2)],
    ),
]

dates = st.dates(min_value=date(INDEX_FIRST_YEAR - 3, 1, 1), max_value=date(2070, 12, 31))
calendars = st.sampled_from(CALENDARS)


def _walk_between(calendar: WorkdayCalendar, start: date, end: date,
                  pauses: list[tuple[date, date | None]]) -> int:
    count, day = 0, start + ONE_DAY
    while day <= end:
        paused = any(stopped < day and (resumed is None or day <= resumed)
                     for stopped, resumed in pauses)
        if not paused and calendar.is_workday(day):
            count += 1
        day += ONE_DAY
    return count


def _walk_add(calendar: WorkdayCalendar, start: date, n: int) -> date:
    day, counted = start, 0
    while counted < n:
        day += ONE_DAY
        if calendar.is_workday(day):
            counted += 1
    return day


@settings(max_examples=300, deadline=None)
@given(calendars, dates, st.integers(min_value=1, max_value=400))
def test_add_working_days_agrees_with_walking(calendar, start, n):
    due = calendar.add_working_days(start, n)
    assert due.due == _walk_add(calendar, start, n)
    assert due.provisional == calendar.is_span_provisional(start, due.due)


@settings(max_examples=300, deadline=None)
@given(calendars, dates, st.integers(min_value=-30, max_value=900))
def test_working_days_between_agrees_with_walking(calendar, start, span):
    end = start + timedelta(days=span)
    assert calendar.working_days_between(start, end) == _walk_between(calendar, start, end, [])


@settings(max_examples=200, deadline=None)
@given(calendars, dates, st.integers(min_value=0, max_value=600),
       st.lists(st.tuples(st.integers(min_value=-20, max_value=600),
                          st.one_of(st.none(), st.integers(min_value=-5, max_value=200))),
                max_size=3))
def test_elapsed_with_pauses_agrees_with_walking(calendar, start, span, raw_pauses):
    today = start + timedelta(days=span)
    pauses = [(start + timedelta(days=a),
               None if b is None else start + timedelta(days=a + b)) for a, b in raw_pauses]
    assert (calendar.working_days_elapsed_excluding(start, today, pauses)
            == _walk_between(calendar, start, today, pauses))


def test_index_is_a_lookup_not_a_walk():
    """A count over 40 years reads the index: far fewer ``is_workday`` calls than days."""
    calendar = WorkdayCalendar()
    calendar.working_days_between(date(2010, 1, 1), date(2011, 1, 1))  # builds the index
    calls = 0
    original = calendar.is_workday

    def counting(day):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return original(day)

    calendar.is_workday = counting  # type: ignore[method-assign]
    assert calendar.working_days_between(date(2005, 1, 1), date(2045, 1, 1)) > 9000
    assert calendar.add_working_days(date(2005, 1, 1), 9000).due.year == 2040
    assert calls == 0


@settings(max_examples=300, deadline=None)
@given(calendars, st.dates(min_value=date(2003, 1, 1), max_value=date(2050, 12, 31)),
       st.integers(min_value=0, max_value=80), st.integers(min_value=-200, max_value=200))
def test_start_before_used_over_is_the_sql_bound(calendar, today, used, offset):
    """A clock started on ``s`` has counted more than ``used`` days by ``today`` exactly when
    ``s`` is before the bound the list filters use."""
    bound = calendar.start_before_used_over(today, used)
    start = bound + timedelta(days=offset)
    assert (calendar.working_days_between(start, today) > used) == (start < bound)
