"""Writing official schedules, regulator holidays and time limits. Services flush, never commit;
every model here is audited on flush."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from devreg.audit.services import label_next_change
from devreg.db import utcnow
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.workdays.calendar import schedule_problems
from devreg.workdays.models import (
    ANY_KIND,
    LIMITED_STAGES,
    SCHEDULE_PROBLEM_MESSAGES,
    STATUTORY_LIMITS,
    CalendarDay,
    CalendarYear,
    ProvinceStream,
    RegulatorHoliday,
    Stage,
    Stream,
    TimeLimitSetting,
)
from devreg.workdays.queries import get_calendar_year

if TYPE_CHECKING:
    from devreg.auth.models import User

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_WORKING_DAYS = 999  # kept for callers; the statutory limit of each stage is the maximum


def enter_year(year: int, days: Sequence[tuple[date, str, str]], *, actor: User) -> CalendarYear:
    """Record a year's official schedule (holidays and adjusted workdays, as (date, kind, name))
    from the State Council notice, replacing what was entered for that year before. From now on
    it overrides chinese_calendar for the year and the year is no longer provisional. Only the
    entries that changed are written, so the audit trail shows exactly what was corrected."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(_("Enter a year between %(low)d and %(high)d.",
                            low=MIN_YEAR, high=MAX_YEAR))
    problems = schedule_problems(year, days)
    if problems:
        raise DomainError(_("The schedule was not saved."), details=[
            str(SCHEDULE_PROBLEM_MESSAGES[problem]) if index is None
            else f"{days[index][0].isoformat()}: {SCHEDULE_PROBLEM_MESSAGES[problem]}"
            for index, problem in problems
        ])
    calendar_year = get_calendar_year(year)
    if calendar_year is None:
        calendar_year = CalendarYear(year=year)
        db.session.add(calendar_year)
    else:
        label_next_change(calendar_year, "reenter")
    calendar_year.entered_by_id = actor.id
    calendar_year.entered_at = utcnow()
    wanted = {day: (kind, name.strip()) for day, kind, name in days}
    for existing in list(calendar_year.days):
        if existing.date not in wanted:
            calendar_year.days.remove(existing)
            db.session.delete(existing)  # explicit: the audit listener does not see orphans
            continue
        existing.kind, existing.name = wanted.pop(existing.date)
    # a removal must reach the database before a re-added date hits the unique index
    db.session.flush()
    for day, (kind, name) in sorted(wanted.items()):
        calendar_year.days.append(CalendarDay(date=day, kind=kind, name=name))
    db.session.flush()
    return calendar_year


def set_time_limit(province_code: str, stage: Stage | str, working_days: int, *,
                   actor: User, kind: str = ANY_KIND,
                   stream: Stream | str = Stream.ORDINARY) -> TimeLimitSetting:
    """Set a province's working-day limit for one stage, for one application kind (or any) in
    one stream. Provinces may shorten the statutory limits (Order 47 Art 119), never lengthen
    them; the value applies to applications accepted from now on (accepted ones keep their
    snapshot). ``actor`` is recorded by the audit trail."""
    stage, stream = Stage(stage), Stream(stream)
    if stage not in LIMITED_STAGES:
        # Order 47 Art 93: no statutory limit for a Class II QMS verification, so none to set
        raise DomainError(_("This stage has no time limit for Class II devices."))
    statutory = STATUTORY_LIMITS[stage]
    if not 1 <= working_days <= statutory:
        # Order 47 Art 119: a provincial procedure may be faster, not slower, than the law's
        raise DomainError(_("%(stage)s: at most the statutory %(statutory)d working days "
                            "(%(days)d is longer).", stage=stage.title, statutory=statutory,
                            days=working_days)
                          if working_days > statutory else
                          _("A time limit is at least 1 working day."))
    setting = db.session.scalar(select(TimeLimitSetting).where(
        TimeLimitSetting.province_code == province_code, TimeLimitSetting.stage == stage.value,
        TimeLimitSetting.kind == kind, TimeLimitSetting.stream == stream.value))
    if setting is None:
        setting = TimeLimitSetting(province_code=province_code, stage=stage.value, kind=kind,
                                   stream=stream.value, working_days=working_days)
        db.session.add(setting)
    else:
        setting.working_days = working_days
    db.session.flush()
    return setting


def remove_time_limit(setting: TimeLimitSetting, *, actor: User) -> None:
    """Remove a per-kind or per-stream setting: the more general one applies again."""
    db.session.delete(setting)
    db.session.flush()


def set_stream(province_code: str, stream: Stream | str, kinds: Sequence[str], *,
               actor: User) -> ProvinceStream:
    """Enable a special stream for the given application kinds (none: the stream is not run).
    Order 47 Art 119."""
    stream = Stream(stream)
    if stream is Stream.ORDINARY:
        raise DomainError(_("The ordinary stream always runs, for every kind."))
    row = db.session.scalar(select(ProvinceStream).where(
        ProvinceStream.province_code == province_code, ProvinceStream.stream == stream.value))
    if row is None:
        row = ProvinceStream(province_code=province_code, stream=stream.value, kinds=[])
        db.session.add(row)
    row.kinds = sorted(set(kinds))
    db.session.flush()
    return row


def add_regulator_holiday(province_code: str, day: date, name: str, *,
                          actor: User) -> RegulatorHoliday:
    """Add a non-working day declared by one province's administration; it delays clocks
    running in that province only. ``actor`` is recorded by the audit trail."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the holiday's name."))
    duplicate = db.session.scalar(select(RegulatorHoliday).where(
        RegulatorHoliday.province_code == province_code, RegulatorHoliday.date == day))
    if duplicate is not None:
        raise DomainError(_("This date is already a regulator holiday in this province."))
    holiday = RegulatorHoliday(province_code=province_code, date=day, name=name)
    db.session.add(holiday)
    db.session.flush()
    return holiday


def remove_regulator_holiday(holiday: RegulatorHoliday, *, actor: User) -> None:
    """Remove a regulator holiday entered by mistake (the audit trail keeps it)."""
    db.session.delete(holiday)
    db.session.flush()
