"""Working-day arithmetic for the registration clocks (Order 47 Art 99). Pure: no Flask.

A day's status comes from, in order of precedence:
1. a regulator-defined holiday of the province (always a non-working day);
2. an admin-entered official year (holidays and adjusted workdays 调休 entered from the State
   Council notice), which overrides the library for that whole year;
3. the ``chinese_calendar`` package, for the years it knows;
4. otherwise weekends alone, and the result is *provisional*: it may move once the year's
   official schedule is published and entered.

Each calendar builds, on first use, an index of its working days (sorted day ordinals) over
INDEX_FIRST_YEAR to INDEX_YEARS_AHEAD years past the last known year, so adding N working days
and counting working days between two dates are binary searches, not walks over days. Dates
outside the window fall back to the day-by-day walk, which is the definition.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import chinese_calendar

from devreg.clock import china_today

ONE_DAY = timedelta(days=1)
#: the working-day index covers this year onwards...
INDEX_FIRST_YEAR = 2000
#: ...up to this many years past the last year whose schedule is known (or the current year)
INDEX_YEARS_AHEAD = 30
#: chinese_calendar's own tables, read directly: its ``is_workday`` validates the year against
#: the whole table on every call
_LIBRARY_HOLIDAYS = chinese_calendar.holidays
_LIBRARY_WORKDAYS = chinese_calendar.workdays
_LIBRARY_YEARS = (min(_LIBRARY_HOLIDAYS).year, max(_LIBRARY_HOLIDAYS).year)


class DayKind(StrEnum):
    """An entry of an official schedule: a holiday, or a weekend day that is worked (调休)."""

    HOLIDAY = "holiday"
    WORKDAY = "workday"


class YearSource(StrEnum):
    OFFICIAL = "official"  # entered by an administrator
    LIBRARY = "library"  # known to chinese_calendar
    PROVISIONAL = "provisional"  # weekends only, until the schedule is entered


@dataclass(frozen=True)
class DueDate:
    due: date
    #: True when any day counted lies in a year without a known official schedule
    provisional: bool


@cache
def library_knows(year: int) -> bool:
    """Whether chinese_calendar carries the official table for ``year`` (a fact of the
    installed package, so caching it is safe)."""
    return _LIBRARY_YEARS[0] <= year <= _LIBRARY_YEARS[1]


def library_years(around: int | None = None) -> range:
    """The contiguous range of years chinese_calendar knows (2004-2026 for version 1.11)."""
    centre = around or china_today().year
    known = [y for y in range(1990, centre + 10) if library_knows(y)]
    return range(known[0], known[-1] + 1) if known else range(0)


def library_schedule(year: int) -> list[tuple[date, DayKind, str]]:
    """The library's entries for a year it knows, in the admin form's shape: every named
    holiday (weekends inside a holiday span included) and every adjusted workday."""
    if not library_knows(year):
        return []
    entries = []
    day = date(year, 1, 1)
    while day.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        if name is not None:
            entries.append((day, DayKind.HOLIDAY if on_holiday else DayKind.WORKDAY, str(name)))
        day += ONE_DAY
    return entries


def supplement_answer_deadline(requested_on: date,
                               calendar: WorkdayCalendar | None = None) -> date:
    """The holder answers a supplement request within 1 calendar year (Order 47 Art 54): the
    same day a year later, or the month's last day when it does not exist (29 February). With
    the province's calendar, a deadline on a non-working day moves to the next working day."""
    try:
        deadline = requested_on.replace(year=requested_on.year + 1)
    except ValueError:
        deadline = requested_on.replace(year=requested_on.year + 1, day=28)
    if calendar is not None:
        # Civil Code Art 203: a period ending on a statutory holiday or rest day ends on the next
        # working day (an adjusted workday 调休 is a working day, so it stays)
        while not calendar.is_workday(deadline):
            deadline += ONE_DAY
    return deadline


class ScheduleProblem(StrEnum):
    OTHER_YEAR = "other_year"
    DUPLICATE = "duplicate"
    UNKNOWN_KIND = "unknown_kind"
    WORKDAY_NOT_WEEKEND = "workday_not_weekend"
    NO_NAME = "no_name"
    NO_HOLIDAY = "no_holiday"


def schedule_problems(
    year: int, entries: Sequence[tuple[date, str, str]]
) -> list[tuple[int | None, ScheduleProblem]]:
    """Each entry breaking a rule, by index: the date must lie in ``year`` and appear once, the
    kind is holiday or workday, an adjusted workday (调休) falls on a Saturday or Sunday, and
    the name is given. The schedule as a whole (index None) must name at least one holiday:
    an empty entry would silently replace the official table with weekends alone."""
    problems: list[tuple[int | None, ScheduleProblem]] = []
    seen: set[date] = set()
    for index, (day, kind, name) in enumerate(entries):
        if day.year != year:
            problems.append((index, ScheduleProblem.OTHER_YEAR))
        elif day in seen:
            problems.append((index, ScheduleProblem.DUPLICATE))
        if kind not in set(DayKind):
            problems.append((index, ScheduleProblem.UNKNOWN_KIND))
        elif kind == DayKind.WORKDAY and day.weekday() < 5:
            problems.append((index, ScheduleProblem.WORKDAY_NOT_WEEKEND))
        if not name.strip():
            problems.append((index, ScheduleProblem.NO_NAME))
        seen.add(day)
    if not any(kind == DayKind.HOLIDAY for _day, kind, _name in entries):
        problems.append((None, ScheduleProblem.NO_HOLIDAY))
    return problems


class WorkdayCalendar:
    """Answers "is this a working day?" for one province."""

    def __init__(
        self,
        official: Mapping[int, Mapping[date, DayKind | str]] | None = None,
        regulator_holidays: Iterable[date] = (),
    ) -> None:
        """``official`` maps each admin-entered year to its entries (date -> holiday/workday);
        a year present with no entries is still official (weekends only, not provisional)."""
        self._official = {
            year: {day: DayKind(kind) for day, kind in days.items()}
            for year, days in (official or {}).items()
        }
        self._regulator_holidays = frozenset(regulator_holidays)
        self._index: list[int] | None = None  # sorted ordinals of working days, built on use
        self._index_span = (0, -1)  # first and last ordinal the index covers

    def _working_ordinals(self) -> list[int]:
        if self._index is None:
            last_year = max([china_today().year, _LIBRARY_YEARS[1], *self._official])
            first = date(INDEX_FIRST_YEAR, 1, 1).toordinal()
            last = date(last_year + INDEX_YEARS_AHEAD, 12, 31).toordinal()
            self._index = [o for o in range(first, last + 1)
                           if self.is_workday(date.fromordinal(o))]
            self._index_span = (first, last)
        return self._index

    def _covers(self, after: date, until: date) -> bool:
        """Whether the index holds every day strictly after ``after`` up to ``until``."""
        self._working_ordinals()
        first, last = self._index_span
        return after.toordinal() >= first - 1 and until.toordinal() <= last

    def year_source(self, year: int) -> YearSource:
        if year in self._official:
            return YearSource.OFFICIAL
        if library_knows(year):
            return YearSource.LIBRARY
        return YearSource.PROVISIONAL

    def is_provisional(self, day: date) -> bool:
        """True when the day's year is neither entered by an admin nor known to the library."""
        return self.year_source(day.year) is YearSource.PROVISIONAL

    def is_span_provisional(self, start: date, end: date) -> bool:
        """Whether any day strictly after ``start`` up to ``end`` is provisional."""
        return any(self.year_source(y) is YearSource.PROVISIONAL
                   for y in range((start + ONE_DAY).year, end.year + 1))

    def is_workday(self, day: date) -> bool:
        """Regulator holidays first, then the admin-entered year, then the library, then
        weekends alone."""
        if day in self._regulator_holidays:
            return False
        source = self.year_source(day.year)
        if source is YearSource.OFFICIAL:
            kind = self._official[day.year].get(day)
            if kind is not None:
                return kind is DayKind.WORKDAY
            return day.weekday() < 5
        if source is YearSource.LIBRARY:
            return day in _LIBRARY_WORKDAYS or (day.weekday() < 5
                                                and day not in _LIBRARY_HOLIDAYS)
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> DueDate:
        """The ``n``-th working day after ``start``. Day 1 of a clock is the first working day
        after the triggering event, so ``add_working_days(event_day, 1)`` is the next working
        day after the event, whatever the event day itself is."""
        if n < 1:
            raise ValueError("a clock runs for at least one working day")
        ordinals = self._working_ordinals()
        position = bisect_right(ordinals, start.toordinal()) + n - 1
        if self._covers(start, start) and position < len(ordinals):
            due = date.fromordinal(ordinals[position])
            return DueDate(due=due, provisional=self.is_span_provisional(start, due))
        day, counted = start, 0  # outside the index: the definition, a day at a time
        while counted < n:
            day += ONE_DAY
            if self.is_workday(day):
                counted += 1
        return DueDate(due=day, provisional=self.is_span_provisional(start, day))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days strictly after ``start`` up to and including ``end``; 0 if
        ``end <= start``. With ``start`` the triggering event, this is the clock's day count."""
        if end <= start:
            return 0
        if not self._covers(start, end):
            return self._walk_excluding(start, end, [])
        ordinals = self._working_ordinals()
        return bisect_right(ordinals, end.toordinal()) - bisect_right(ordinals, start.toordinal())

    def start_before_used_over(self, today: date, used: int) -> date:
        """The day ``c`` such that a clock started on ``s`` has more than ``used`` working days
        counted by ``today`` exactly when ``s < c``: a date bound a database can filter on."""
        ordinals = self._working_ordinals()
        if not self._covers(today, today):
            raise ValueError("today lies outside the working-day index")
        position = bisect_right(ordinals, today.toordinal()) - max(used, 0) - 1
        if position < 0:
            return date.fromordinal(self._index_span[0])
        return date.fromordinal(ordinals[position])

    def working_days_elapsed_excluding(
        self, start: date, today: date, paused_periods: list[tuple[date, date | None]]
    ) -> int:
        """Working days elapsed on a clock started by an event on ``start``, up to and
        including ``today``, leaving out paused days. A pause ``(stopped, resumed)`` excludes
        the days strictly after ``stopped`` up to and including ``resumed``: the clock ran on the
        day it stopped, and, like Day 1, counting resumes on the first working day after the
        resuming event. ``resumed=None`` means still paused."""
        if today <= start:
            return 0
        if not self._covers(start, today):
            return self._walk_excluding(start, today, paused_periods)
        # the paused spans (stopped, resumed], clipped to (start, today] and merged
        spans = sorted((max(stopped, start), today if resumed is None else min(resumed, today))
                       for stopped, resumed in paused_periods)
        merged: list[list[date]] = []
        for low, high in spans:
            if high <= low:
                continue
            if merged and low <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        return self.working_days_between(start, today) - sum(
            self.working_days_between(low, high) for low, high in merged)

    def _walk_excluding(self, start: date, today: date,
                        paused_periods: list[tuple[date, date | None]]) -> int:
        """The definition of the count, one day at a time."""
        count, day = 0, start + ONE_DAY
        while day <= today:
            paused = any(stopped < day and (resumed is None or day <= resumed)
                         for stopped, resumed in paused_periods)
            if not paused and self.is_workday(day):
                count += 1
            day += ONE_DAY
        return count
