"""Reading calendars and time limits. Everything is loaded fresh: nothing is cached across
requests, so an administrator's change applies to the next computation."""

from __future__ import annotations

from datetime import date

from flask import abort
from sqlalchemy import select

from devreg.extensions import db
from devreg.reference.models import Province
from devreg.workdays.calendar import DayKind, WorkdayCalendar
from devreg.workdays.models import (
    STATUTORY_LIMITS,
    CalendarDay,
    CalendarYear,
    RegulatorHoliday,
    Stage,
    TimeLimitSetting,
)


def calendar_for(province_code: str | None) -> WorkdayCalendar:
    """The working-day calendar of a province: official years entered by administrators, the
    library, and the province's regulator holidays (none when ``province_code`` is None)."""
    official: dict[int, dict[date, DayKind | str]] = {
        year: {} for year in db.session.scalars(select(CalendarYear.year))
    }
    rows = db.session.execute(
        select(CalendarYear.year, CalendarDay.date, CalendarDay.kind)
        .join(CalendarDay.calendar_year)
    )
    for year, day, kind in rows:
        official[year][day] = kind
    holidays = [] if province_code is None else list(db.session.scalars(
        select(RegulatorHoliday.date).where(RegulatorHoliday.province_code == province_code)))
    return WorkdayCalendar(official=official, regulator_holidays=holidays)


def _settings(province_code: str) -> dict[Stage, int]:
    rows = db.session.scalars(
        select(TimeLimitSetting).where(TimeLimitSetting.province_code == province_code))
    return {Stage(row.stage): row.working_days for row in rows}


def time_limit(province_code: str, stage: Stage | str) -> int:
    """The province's working-day limit for a stage: its setting, else the statutory default."""
    stage = Stage(stage)
    return _settings(province_code).get(stage, STATUTORY_LIMITS[stage])


def time_limits_snapshot(province_code: str) -> dict[str, int]:
    """Every stage's limit as it applies now, keyed by stage code: stored on an application
    when it is accepted, so later setting changes do not move its clocks."""
    settings = _settings(province_code)
    return {stage.value: settings.get(stage, STATUTORY_LIMITS[stage]) for stage in Stage}


def customised_stages(province_code: str) -> set[str]:
    """Stages whose limit differs from the statutory default in this province."""
    return {stage.value for stage, days in _settings(province_code).items()
            if days != STATUTORY_LIMITS[stage]}


def entered_years() -> list[CalendarYear]:
    return list(db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def get_calendar_year(year: int) -> CalendarYear | None:
    return db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))


def regulator_holidays_for(province_code: str) -> list[RegulatorHoliday]:
    return list(db.session.scalars(
        select(RegulatorHoliday).where(RegulatorHoliday.province_code == province_code)
        .order_by(RegulatorHoliday.date.desc())))


def get_regulator_holiday_or_404(holiday_id: int, province_code: str) -> RegulatorHoliday:
    holiday = db.session.get(RegulatorHoliday, holiday_id)
    if holiday is None or holiday.province_code != province_code:
        abort(404)
    return holiday


def get_province_or_404(code: str) -> Province:
    province = db.session.get(Province, code)
    if province is None:
        abort(404)
    return province
