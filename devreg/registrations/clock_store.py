"""Each running clock's alert dates, stored on its application so that lists can filter and
sort on "overdue" and "due soon" in the database, exactly as the clock shown on the row.

A clock's state on a day follows from its start, its limit (extensions included), its closed
pauses and the calendar; only time moves it. So two dates describe it for every future day:
``clock_soon_from``, the first day at most ``due_soon_threshold`` working days are left, and
``clock_overdue_from``, the first day more working days were used than the limit allows
(``Clock.due_soon`` and ``Clock.overdue``). While a pause is open both are None: a paused
clock is neither (Order 47 Art 98, Art 57).

They are rewritten whenever what they depend on changes: in the flush that changes an
application, its pauses or its extensions; when a calendar or a time limit changes (every open
application of the provinces concerned, before the same commit); and by ``flask sweep`` for
every open application (after an upgrade, or a change of the due-soon settings). They are
written with plain UPDATEs: derived values bump no version and write no audit event."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session, selectinload

from devreg.extensions import db
from devreg.registrations.clocks import (
    _stage,
    due_date,
    due_soon_threshold,
    extension_for,
    pauses_after,
    stage_limit,
)
from devreg.registrations.models import Application, ClockExtension, ClockPause
from devreg.registrations.states import OPEN_STATES
from devreg.workdays.calendar import WorkdayCalendar
from devreg.workdays.models import CalendarDay, CalendarYear, RegulatorHoliday, TimeLimitSetting
from devreg.workdays.queries import calendar_for, time_limits_snapshot

#: open applications rewritten at a time by a refresh
REFRESH_BATCH = 500
_PENDING = "devreg_clock_refresh"  # session.info: provinces (or ALL) whose clocks to rewrite
ALL = "*"


def alert_dates(application: Application, calendar: WorkdayCalendar | None = None,
                limits: dict[str, int] | None = None) -> tuple[date | None, date | None]:
    """(first due-soon day, first overdue day) of the running clock; (None, None) when no clock
    runs or it is paused. ``limits`` is the application's ``time_limits_snapshot``."""
    stage_and_start = _stage(application)
    if stage_and_start is None or stage_and_start[1] is None or application.open_pause:
        return None, None
    stage, started_on = stage_and_start
    calendar = calendar or calendar_for(application.province_code)
    limit = stage_limit(application, stage, limits) + extension_for(application, stage)
    pauses = pauses_after(application, started_on)
    # used(d) >= k exactly from the day the k-th counted working day falls on (due_date)
    overdue_from = due_date(calendar, started_on, limit + 1, started_on, pauses)
    soon_at = limit - due_soon_threshold(limit)
    soon_from = (started_on if soon_at < 1
                 else due_date(calendar, started_on, soon_at, started_on, pauses))
    return soon_from, overdue_from


def _write(connection: Any, rows: Iterable[tuple[int, date | None, date | None]]) -> None:
    """One executemany UPDATE for all ``rows``."""
    values = [{"b_id": i, "b_soon": soon, "b_overdue": overdue} for i, soon, overdue in rows]
    if values:
        table = Application.__table__
        connection.execute(update(table).where(table.c.id == bindparam("b_id")).values(
            clock_soon_from=bindparam("b_soon"), clock_overdue_from=bindparam("b_overdue")),
            values)


def _dates_for(applications: Iterable[Application]) -> list[tuple[int, date | None, date | None]]:
    """Each application's dates; calendars and limits loaded once per province (and kind and
    stream), however many applications."""
    limits: dict[tuple[str, str, str], dict[str, int]] = {}
    calendars: dict[str, WorkdayCalendar] = {}
    rows = []
    for application in applications:
        key = (application.province_code, application.kind, application.stream)
        if key not in limits:
            limits[key] = time_limits_snapshot(*key)
        if application.province_code not in calendars:
            calendars[application.province_code] = calendar_for(application.province_code)
        rows.append((application.id, *alert_dates(
            application, calendars[application.province_code], limits[key])))
    return rows


def refresh_clocks(province_codes: Iterable[str] | None = None,
                   session: Session | None = None) -> int:
    """Rewrite the stored dates of every open application (of ``province_codes``), in batches;
    returns how many were rewritten. Run inside the caller's transaction."""
    session = session or db.session  # type: ignore[assignment]
    query = select(Application).where(Application.state.in_([s.value for s in OPEN_STATES]))
    if province_codes is not None:
        query = query.where(Application.province_code.in_(list(province_codes)))
    # populate_existing: a row this session already holds may predate a flush's UPDATE above;
    # the comparison below must see what the database has (the caller has flushed)
    query = query.options(selectinload(Application.clock_pauses),
                          selectinload(Application.clock_extensions)).execution_options(
        populate_existing=True)
    done, after = 0, 0
    with session.no_autoflush:
        while True:
            batch = session.scalars(query.where(Application.id > after)
                                    .order_by(Application.id).limit(REFRESH_BATCH)).all()
            if not batch:
                return done
            stored = {a.id: (a.clock_soon_from, a.clock_overdue_from) for a in batch}
            _write(session.connection(), [row for row in _dates_for(batch)
                                          if stored[row[0]] != row[1:]])
            done += len(batch)
            after = batch[-1].id


_CALENDAR = (CalendarYear, CalendarDay)


@event.listens_for(Session, "after_flush")
def _store_after_flush(session: Session, _context: Any) -> None:
    """The applications this flush changed (or whose pauses or extensions it changed) get their
    dates now; a calendar or time-limit change marks provinces to rewrite before commit."""
    touched: dict[int, Application] = {}
    pending: set[str] = session.info.setdefault(_PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Application):
            if obj not in session.deleted and obj.id is not None:
                touched[obj.id] = obj
        elif isinstance(obj, (ClockPause, ClockExtension)):
            application = obj.application
            if application is not None and application.id is not None:
                touched[application.id] = application
        elif isinstance(obj, _CALENDAR):
            pending.add(ALL)
        elif isinstance(obj, (RegulatorHoliday, TimeLimitSetting)) and obj.province_code:
            pending.add(obj.province_code)
    if touched:
        _write(session.connection(), _dates_for(touched.values()))


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()
        refresh_clocks(None if ALL in pending else sorted(pending), session)
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
