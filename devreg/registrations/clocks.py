"""The statutory clock of an open application: stage, working days used and left, due date.

Day 1 is the first working day after the triggering event (Civil Code Art 201). The clock's
values come from the application's list of pauses (``ClockPause``): Order 47 Art 98 and Art 57
list the time not counted (supplement, rectification, holder-caused delay, experts, suspension,
QMS verification, objection). A new review clock starts when the supplement arrives
(Art 54, Art 92), and an extension (Art 96) adds to the stage's limit.

``clock_for`` takes the province's calendar and limits so that a list page loads them once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_app_context

from devreg.registrations.models import Application, ClockPause, PauseReason
from devreg.registrations.states import ApplicationState
from devreg.workdays.calendar import WorkdayCalendar
from devreg.workdays.models import STATUTORY_LIMITS, Stage
from devreg.workdays.queries import calendar_for, time_limits_snapshot

S = ApplicationState
#: "due soon": at most this share of the stage's limit is left (a fresh 5-day acceptance file
#: is not flagged on arrival)...
DUE_SOON_SHARE = 0.2
#: ...and never less than this many working days
DUE_SOON_MIN_WORKING_DAYS = 1
#: Order 47 Art 96: the stages whose limit a technical body may extend
EXTENDABLE_STAGES = (Stage.TECHNICAL_REVIEW, Stage.SUPPLEMENT_REVIEW)
#: Order 47 Art 57: the holder may object within 15 days of the negative opinion's notice
#: (working days, Art 99)
OBJECTION_WORKING_DAYS = 15


def due_soon_threshold(limit: int) -> int:
    """Working days left at or under which a running clock is "due soon" (the settings
    DUE_SOON_SHARE and DUE_SOON_MIN_WORKING_DAYS; these defaults outside an app)."""
    share, minimum = DUE_SOON_SHARE, DUE_SOON_MIN_WORKING_DAYS
    if has_app_context():
        share = current_app.config.get("DUE_SOON_SHARE", share)
        minimum = current_app.config.get("DUE_SOON_MIN_WORKING_DAYS", minimum)
    return max(minimum, int(limit * share))


@dataclass(frozen=True)
class Clock:
    stage: Stage
    started_on: date
    #: the limit that applies, extension included
    limit: int
    used: int
    left: int
    #: while paused: the due date if the clock ran again from the next working day
    due: date
    provisional: bool
    paused: bool = False
    holder_deadline: date | None = None  # calendar deadline for a supplement answer
    pause_reason: PauseReason | None = None
    #: working days added by an extension (Art 96)
    extended_by: int = 0

    @property
    def base_limit(self) -> int:
        return self.limit - self.extended_by

    @property
    def overdue(self) -> bool:
        return not self.paused and self.used > self.limit

    @property
    def due_soon(self) -> bool:
        return (not self.paused and not self.overdue
                and self.left <= due_soon_threshold(self.limit))


def stage_limit(application: Application, stage: Stage,
                limits: Mapping[Stage, int] | Mapping[str, int] | None = None) -> int:
    """The stage's limit without extension: the snapshot taken at acceptance, else the
    province's current ordinary limits (``limits``, loaded once per page by ``clocks_for``),
    else the current limits of the application's kind and stream, loaded here."""
    snapshot = application.time_limits or {}
    if snapshot.get(stage.value):
        return int(snapshot[stage.value])
    if limits is None:
        limits = time_limits_snapshot(application.province_code, application.kind,
                                      application.stream)
    return int(limits.get(stage.value) or STATUTORY_LIMITS[stage])  # type: ignore[call-overload]


def extension_for(application: Application, stage: Stage) -> int:
    return sum(e.working_days for e in application.clock_extensions if e.stage == stage.value)


def _stage(application: Application) -> tuple[Stage, date | None] | None:
    state = application.state
    if state == S.SUBMITTED:
        return Stage.ACCEPTANCE, application.received_on
    if state == S.ACCEPTED and not application.kind_enum.is_reviewed:
        return Stage.DECISION, application.accepted_on
    if state in (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED):
        if application.supplement_answered_on:
            return Stage.SUPPLEMENT_REVIEW, application.supplement_answered_on
        return Stage.TECHNICAL_REVIEW, application.accepted_on
    if state in (S.REVIEW_DONE, S.OBJECTION):
        return Stage.DECISION, application.opinion_on
    if state == S.TERMINATED:  # Order 47 Art 54: the refusal is still to be decided
        return Stage.DECISION, application.terminated_on
    return None


def objection_deadline(application: Application,
                       calendar: WorkdayCalendar | None = None) -> date | None:
    """The last day the holder may object to a negative review opinion (Order 47 Art 57); None
    when the opinion is not negative."""
    if application.opinion != "refuse" or application.opinion_on is None:
        return None
    calendar = calendar or calendar_for(application.province_code)
    return calendar.add_working_days(application.opinion_on, OBJECTION_WORKING_DAYS).due


def objection_open(application: Application, today: date,
                   calendar: WorkdayCalendar | None = None) -> bool:
    """Whether the holder may still object: a negative opinion, no objection yet, in time."""
    deadline = objection_deadline(application, calendar)
    return (application.state == S.REVIEW_DONE and application.objection_filed_on is None
            and deadline is not None and today <= deadline)


def pauses_after(application: Application, started_on: date) -> list[tuple[date, date | None]]:
    """The pauses reaching past the stage's start, clipped to it, in order."""
    return [(max(p.started_on, started_on), p.ended_on) for p in application.clock_pauses
            if p.ended_on is None or p.ended_on > started_on]


def counted_days(calendar: WorkdayCalendar, started_on: date, today: date,
                 pauses: list[tuple[date, date | None]]) -> int:
    """Working days after ``started_on`` up to ``today``, without the paused ones. A pause
    (stopped, resumed) leaves out the days after ``stopped`` up to ``resumed``: the clock ran on
    the day it stopped and runs again from the first working day after it resumed."""
    used = calendar.working_days_between(started_on, today)
    for stopped, resumed in pauses:
        if stopped < today:
            used -= calendar.working_days_between(
                stopped, today if resumed is None else min(resumed, today))
    return used


def due_date(calendar: WorkdayCalendar, started_on: date, limit: int, today: date,
             pauses: list[tuple[date, date | None]]) -> date:
    """The working day on which the ``limit``-th counted day falls, pauses left out; an open
    pause counts as ending today."""
    remaining, cursor = limit, started_on
    for stopped, resumed in pauses:
        run = calendar.working_days_between(cursor, stopped)
        if run >= remaining:
            break
        remaining -= run
        cursor = max(stopped, today if resumed is None else resumed)
    return calendar.add_working_days(cursor, remaining).due


def clock_for(application: Application, today: date, calendar: WorkdayCalendar | None = None,
              limits: Mapping[Stage, int] | Mapping[str, int] | None = None) -> Clock | None:
    """None when no regulator clock runs (draft, correction with the holder, closed).
    ``calendar`` and ``limits`` (the province's ``time_limits_snapshot``) may be passed in by a
    page listing many applications of one province."""
    stage_and_start = _stage(application)
    if stage_and_start is None or stage_and_start[1] is None:
        return None
    stage, started_on = stage_and_start
    calendar = calendar or calendar_for(application.province_code)
    extended_by = extension_for(application, stage)
    limit = stage_limit(application, stage, limits) + extended_by
    pauses = pauses_after(application, started_on)
    open_pause = application.open_pause
    used = counted_days(calendar, started_on, today, pauses)
    due = due_date(calendar, started_on, limit, today, pauses)
    paused = open_pause is not None
    return Clock(
        stage=stage, started_on=started_on, limit=limit, used=used,
        left=max(limit - used, 0), due=due,
        provisional=calendar.is_span_provisional(started_on, due), paused=paused,
        holder_deadline=(application.supplement_deadline
                         if application.state == S.SUPPLEMENT_REQUESTED else None),
        pause_reason=open_pause.reason_enum if open_pause else None, extended_by=extended_by,
    )


@dataclass(frozen=True)
class Period:
    """One line of the clock's history: running, or paused with its reason."""

    running: bool
    started_on: date
    ended_on: date | None
    working_days: int
    pause: ClockPause | None = None


def clock_periods(application: Application, today: date,
                  calendar: WorkdayCalendar | None = None) -> list[Period]:
    """The application's clock history from acceptance (or receipt) to its end or today:
    running periods between the recorded pauses."""
    start = application.accepted_on or application.received_on
    if start is None:
        return []
    end = application.closed_on or today
    calendar = calendar or calendar_for(application.province_code)
    periods: list[Period] = []
    cursor = start
    for pause in application.clock_pauses:
        stopped = max(pause.started_on, start)
        if stopped > cursor or not periods:
            periods.append(Period(True, cursor, stopped,
                                  calendar.working_days_between(cursor, stopped)))
        resumed = pause.ended_on
        periods.append(Period(False, stopped, resumed, calendar.working_days_between(
            stopped, min(resumed or end, end)), pause))
        cursor = max(cursor, resumed or end)
    if application.open_pause is None and cursor < end:
        periods.append(Period(True, cursor, None if not application.closed_on else end,
                              calendar.working_days_between(cursor, end)))
    return periods
