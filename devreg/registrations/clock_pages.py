"""Clocks for a page of applications: the calendars and time limits of the page's provinces are
loaded once, whatever the number of rows (a constant number of statements per page)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, and_, case, exists, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from devreg.registrations.clocks import Clock, clock_for, due_soon_threshold
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, ClockPause
from devreg.registrations.states import ApplicationState
from devreg.workdays.models import STATUTORY_LIMITS, Stage
from devreg.workdays.queries import (
    calendar_for,
    calendar_version_token,
    calendars_for,
    time_limits_for,
)

S = ApplicationState


def clocks_for(applications: Iterable[Application],
               today: date) -> list[tuple[Application, Clock | None]]:
    applications = list(applications)
    codes = {a.province_code for a in applications}
    calendars = calendars_for(codes)
    limits = time_limits_for(codes)
    return [(a, clock_for(a, today, calendars[a.province_code], limits[a.province_code]))
            for a in applications]


# --- the same clocks in SQL, for filtering and sorting a list on the server -------------------

_REVIEWED = [k.value for k in ApplicationKind if k.is_reviewed]
_UNREVIEWED = [k.value for k in ApplicationKind if not k.is_reviewed]


def _stage_branches() -> list[tuple[Stage, ColumnElement[bool], ColumnElement[date]]]:
    """(stage, condition, start column) for each running stage, as in ``clocks._stage``. A file
    whose clock is paused (an open ``ClockPause``, Order 47 Art 98, Art 57) runs in none."""
    A = Application  # noqa: N806 (a short alias keeps the table readable)
    running = ~exists(select(ClockPause.id).where(ClockPause.application_id == A.id,
                                                 ClockPause.ended_on.is_(None)))
    return [(stage, and_(condition, running), start)
            for stage, condition, start in _branches_by_state(A)]


def _branches_by_state(A):  # type: ignore[no-untyped-def]  # noqa: N803
    return [
        (Stage.ACCEPTANCE, A.state == S.SUBMITTED.value, A.received_on),
        (Stage.DECISION, and_(A.state == S.ACCEPTED.value, A.kind.in_(_UNREVIEWED)),
         A.accepted_on),
        (Stage.SUPPLEMENT_REVIEW, and_(A.state.in_([S.ACCEPTED.value, S.IN_REVIEW.value]),
                                       A.kind.in_(_REVIEWED),
                                       A.supplement_answered_on.is_not(None)),
         A.supplement_answered_on),
        (Stage.TECHNICAL_REVIEW, and_(A.state.in_([S.ACCEPTED.value, S.IN_REVIEW.value]),
                                      A.kind.in_(_REVIEWED), A.supplement_answered_on.is_(None)),
         A.accepted_on),
        (Stage.DECISION, A.state == S.REVIEW_DONE.value, A.opinion_on),
        # Order 47 Art 54: after the termination the refusal is still to be decided
        (Stage.DECISION, A.state == S.TERMINATED.value, A.terminated_on),
    ]


def clock_start() -> ColumnElement[date]:
    """The day the running clock started (None when none runs or it is stopped): ordering by it
    orders the running clocks by due date, for files with the same limit."""
    return case(*((condition, start) for _stage, condition, start in _stage_branches()),
                else_=None)


class _DayNumber(FunctionElement):  # type: ignore[type-arg]
    """A date as a number of days, to add a stage's length to it in any engine."""

    type = Integer()
    inherit_cache = True


@compiles(_DayNumber, "postgresql")
def _day_number_pg(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return f"({compiler.process(element.clauses, **kw)} - DATE '2000-01-01')"


@compiles(_DayNumber)
def _day_number_sqlite(element, compiler, **kw):  # type: ignore[no-untyped-def]
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) AS INTEGER)"


def due_order() -> list[ColumnElement]:  # type: ignore[type-arg]
    """Running clocks first, earliest due first; then the rest, newest first. The due date
    is estimated in the database as the start plus the stage's statutory length in calendar
    days (7/5 of its working days): exact between files of one stage, and close across
    stages (holidays aside)."""
    start = clock_start()
    estimate = case(*((condition, _DayNumber(column) + STATUTORY_LIMITS[stage] * 7 // 5)
                      for stage, condition, column in _stage_branches()), else_=None)
    return [case((start.is_(None), 1), else_=0), estimate, Application.id.desc()]


def clock_condition(which: str, province_code: str, today: date) -> ColumnElement[bool]:
    """``which`` is "overdue" or "due_soon": the running clocks of the province in that
    condition today. Computed from the province's current limit for each stage and its
    calendar's index (an application's snapshotted limit, when it differs, shows on its row).
    The expression is built once per day, calendar version and limits, not on every request."""
    limits = time_limits_for([province_code])[province_code]
    token = calendar_version_token()
    if token is None:  # no version to key on: build it afresh
        return _clock_condition(which, province_code, today, None, tuple(limits.items()))
    return _cached_clock_condition(which, province_code, today, token,
                                   tuple(sorted(limits.items())))


def _clock_condition(which: str, province_code: str, today: date, _token: str | None,
                     limit_items: tuple[tuple[Stage, int], ...]) -> ColumnElement[bool]:
    calendar = calendar_for(province_code)
    limits = dict(limit_items)
    branches = []
    for stage, condition, start in _stage_branches():
        limit = limits[stage]
        overdue_before = calendar.start_before_used_over(today, limit)
        if which == "overdue":
            branches.append(and_(condition, start < overdue_before))
        else:
            soon_before = calendar.start_before_used_over(
                today, limit - due_soon_threshold(limit) - 1)
            branches.append(and_(condition, start >= overdue_before, start < soon_before))
    return or_(*branches)


#: SQL expressions are immutable and reusable: a worker keeps the recent ones
_cached_clock_condition = lru_cache(maxsize=256)(_clock_condition)
