"""Reading calendars and time limits. Calendars are cached in the process under the calendar
version token (``CalendarVersion``), which is read once per request: an administrator's change
applies to the next request of every worker. Time limits are read fresh, once per page."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from threading import Lock

from flask import abort, g, has_app_context
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from devreg.db import utcnow
from devreg.extensions import db
from devreg.reference.models import Province
from devreg.workdays.calendar import DayKind, WorkdayCalendar
from devreg.workdays.models import (
    ANY_KIND,
    LIMITED_STAGES,
    STATUTORY_LIMITS,
    CalendarDay,
    CalendarVersion,
    CalendarYear,
    ProvinceStream,
    RegulatorHoliday,
    Stage,
    Stream,
    TimeLimitSetting,
)

#: calendars built by this process: {(version token, province code): calendar}
_CALENDARS: dict[tuple[str, str | None], WorkdayCalendar] = {}
_CALENDARS_LOCK = Lock()
_CALENDAR_CLASSES = (CalendarYear, CalendarDay, RegulatorHoliday)


def _version_token() -> str | None:
    """The calendar version, read once per request (or command). None when the row is missing
    (a database emptied by hand): then nothing is cached."""
    if "calendar_version" not in g:
        g.calendar_version = db.session.scalar(select(CalendarVersion.token))
    return g.calendar_version  # type: ignore[no-any-return]


def _build_calendar(province_code: str | None) -> WorkdayCalendar:
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


def calendar_for(province_code: str | None) -> WorkdayCalendar:
    """The working-day calendar of a province: official years entered by administrators, the
    library, and the province's regulator holidays (none when ``province_code`` is None).
    Built once per calendar version and process; a cached calendar costs no query."""
    token = _version_token()
    if token is None:
        return _build_calendar(province_code)
    key = (token, province_code)
    calendar = _CALENDARS.get(key)
    if calendar is None:
        calendar = _build_calendar(province_code)
        with _CALENDARS_LOCK:
            for stale in [k for k in _CALENDARS if k[0] != token]:
                del _CALENDARS[stale]
            _CALENDARS[key] = calendar
    return calendar


def calendars_for(province_codes: Iterable[str | None]) -> dict[str | None, WorkdayCalendar]:
    """One calendar per province of a page, each loaded once (not once per row)."""
    return {code: calendar_for(code) for code in set(province_codes)}


@event.listens_for(Session, "after_flush")
def _bump_calendar_version(session: Session, _context) -> None:  # type: ignore[no-untyped-def]
    """Any written schedule, schedule day or regulator holiday gives the calendar a new version
    token in the same transaction, so every worker rebuilds its calendars on its next request."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(obj, _CALENDAR_CLASSES) for obj in changed):
        return
    token = uuid.uuid4().hex
    connection = session.connection()
    result = connection.execute(update(CalendarVersion).where(CalendarVersion.id == 1)
                                .values(token=token, changed_at=utcnow()))
    if result.rowcount == 0:
        connection.execute(CalendarVersion.__table__.insert().values(
            id=1, token=token, changed_at=utcnow()))
    if has_app_context():  # this request (or command) sees its own change at once
        g.calendar_version = token


def _settings(province_code: str) -> dict[tuple[Stage, str, str], int]:
    """(stage, kind, stream) -> working days of every setting of the province."""
    rows = db.session.scalars(
        select(TimeLimitSetting).where(TimeLimitSetting.province_code == province_code))
    return {(Stage(row.stage), row.kind, row.stream): row.working_days for row in rows}


def _resolve(settings: dict[tuple[Stage, str, str], int], stage: Stage, kind: str | None,
             stream: str) -> int:
    """The most specific setting: the kind in the stream, any kind in the stream, then the
    same in the ordinary stream, then the statutory limit (KeyError: a stage without one)."""
    candidates = []
    for s in dict.fromkeys((stream, Stream.ORDINARY.value)):
        if kind is not None:
            candidates.append((stage, kind, s))
        candidates.append((stage, ANY_KIND, s))
    for key in candidates:
        if key in settings:
            return settings[key]
    return STATUTORY_LIMITS[stage]


def time_limits_for(province_codes: Iterable[str | None]) -> dict[str | None, dict[Stage, int]]:
    """Every stage's current limit for each province, in one query (for a page of rows); a
    request asks the database once per province, however many lists of its page need them."""
    codes = set(province_codes)
    cache: dict[str | None, dict[Stage, int]] = (
        g.setdefault("time_limits", {}) if has_app_context() else {})
    missing = [code for code in codes if code not in cache]
    loaded: dict[str | None, dict[Stage, int]] = {code: dict(STATUTORY_LIMITS)
                                                  for code in missing}
    named = [code for code in missing if code is not None]
    if named:
        # the ordinary limits for any kind: a kind's or a stream's own limit is snapshotted at
        # acceptance, so a list page needs only these (for files not yet accepted)
        for row in db.session.scalars(select(TimeLimitSetting).where(
                TimeLimitSetting.province_code.in_(named), TimeLimitSetting.kind == ANY_KIND,
                TimeLimitSetting.stream == Stream.ORDINARY.value)):
            loaded[row.province_code][Stage(row.stage)] = row.working_days
    cache.update(loaded)
    return {code: dict(cache[code]) for code in codes}


@event.listens_for(Session, "after_flush")
def _forget_time_limits(session: Session, _context) -> None:  # type: ignore[no-untyped-def]
    """A written time-limit setting is seen by the rest of the request that wrote it."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if has_app_context() and any(isinstance(obj, TimeLimitSetting) for obj in changed):
        g.pop("time_limits", None)


def time_limit(province_code: str, stage: Stage | str, kind: str | None = None,
               stream: str = Stream.ORDINARY.value) -> int:
    """The province's working-day limit for a stage (of a kind and stream): its most specific
    setting, else the statutory default."""
    return _resolve(_settings(province_code), Stage(stage), kind, stream)


def time_limits_snapshot(province_code: str, kind: str | None = None,
                         stream: str = Stream.ORDINARY.value) -> dict[str, int]:
    """Every stage's limit as it applies now to ``kind`` in ``stream``, keyed by stage code:
    stored on an application when it is accepted, so later setting changes do not move its
    clocks."""
    settings = _settings(province_code)
    return {stage.value: _resolve(settings, stage, kind, stream) for stage in LIMITED_STAGES}


def customised_stages(province_code: str) -> set[str]:
    """Stages whose ordinary limit (any kind) differs from the statutory default."""
    return {stage.value for (stage, kind, stream), days in _settings(province_code).items()
            if kind == ANY_KIND and stream == Stream.ORDINARY.value
            and stage in STATUTORY_LIMITS and days != STATUTORY_LIMITS[stage]}


def special_limits(province_code: str) -> list[TimeLimitSetting]:
    """The settings beyond the ordinary any-kind ones: per kind, or per special stream."""
    return list(db.session.scalars(select(TimeLimitSetting).where(
        TimeLimitSetting.province_code == province_code,
        (TimeLimitSetting.kind != ANY_KIND)
        | (TimeLimitSetting.stream != Stream.ORDINARY.value))
        .order_by(TimeLimitSetting.stream, TimeLimitSetting.kind, TimeLimitSetting.stage)))


def streams_for(province_code: str) -> dict[str, list[str]]:
    """The special streams the province runs -> the application kinds each applies to."""
    rows = db.session.scalars(select(ProvinceStream).where(
        ProvinceStream.province_code == province_code))
    return {row.stream: list(row.kinds or []) for row in rows if row.kinds}


def stream_runs(province_code: str, stream: str, kind: str) -> bool:
    """Whether the province runs ``stream`` for applications of ``kind`` (ordinary: always)."""
    if stream == Stream.ORDINARY.value:
        return True
    return kind in streams_for(province_code).get(stream, [])


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


def get_time_limit_or_404(setting_id: int, province_code: str) -> TimeLimitSetting:
    setting = db.session.get(TimeLimitSetting, setting_id)
    if setting is None or setting.province_code != province_code:
        abort(404)
    return setting


def get_province_or_404(code: str) -> Province:
    province = db.session.get(Province, code)
    if province is None:
        abort(404)
    return province
