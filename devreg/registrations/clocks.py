"""The statutory clock of an open application: stage, working days used and left, due date.

Day 1 is the first working day after the triggering event. The review clock stops while the
holder prepares a supplement and a new review clock starts when the supplement arrives
(Order 47 Art 92, 98)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from devreg.registrations.models import Application
from devreg.registrations.states import ApplicationState
from devreg.workdays.models import Stage
from devreg.workdays.queries import calendar_for, time_limit

S = ApplicationState
#: "due soon": at most this share of the stage's limit is left (a fresh 5-day acceptance file
#: is not flagged on arrival)...
DUE_SOON_SHARE = 0.2
#: ...and never less than this many working days
DUE_SOON_MIN_WORKING_DAYS = 1


def due_soon_threshold(limit: int) -> int:
    """Working days left at or under which a running clock is "due soon"."""
    return max(DUE_SOON_MIN_WORKING_DAYS, int(limit * DUE_SOON_SHARE))


@dataclass(frozen=True)
class Clock:
    stage: Stage
    started_on: date
    limit: int
    used: int
    left: int
    due: date
    provisional: bool
    paused: bool = False
    holder_deadline: date | None = None  # calendar deadline for a supplement answer

    @property
    def overdue(self) -> bool:
        return not self.paused and self.used > self.limit

    @property
    def due_soon(self) -> bool:
        return (not self.paused and not self.overdue
                and self.left <= due_soon_threshold(self.limit))


def _limit(application: Application, stage: Stage,
           limits: Mapping[Stage, int] | None = None) -> int:
    """The application's snapshot, else the province's current limit (``limits``, when the
    page loaded them once for all its rows)."""
    snapshot = application.time_limits or {}
    if snapshot.get(stage.value):
        return int(snapshot[stage.value])
    if limits is not None:
        return limits[stage]
    return time_limit(application.province_code, stage)


def _stage(application: Application) -> tuple[Stage, date] | None:
    state = application.state
    if state == S.SUBMITTED:
        return Stage.ACCEPTANCE, application.received_on  # type: ignore[return-value]
    if state == S.ACCEPTED and not application.kind_enum.is_reviewed:
        return Stage.DECISION, application.accepted_on  # type: ignore[return-value]
    if state in (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED):
        if application.supplement_answered_on:
            return Stage.SUPPLEMENT_REVIEW, application.supplement_answered_on
        return Stage.TECHNICAL_REVIEW, application.accepted_on  # type: ignore[return-value]
    if state == S.REVIEW_DONE:
        return Stage.DECISION, application.opinion_on  # type: ignore[return-value]
    return None


def clock_for(application: Application, today: date, calendar=None,  # type: ignore[no-untyped-def]
              limits: Mapping[Stage, int] | None = None) -> Clock | None:
    """None when no regulator clock runs (draft, correction with the holder, closed). A page
    passes the province's ``calendar`` and ``limits`` loaded once (``clocks_for``)."""
    stage_and_start = _stage(application)
    if stage_and_start is None or stage_and_start[1] is None:
        return None
    stage, started_on = stage_and_start
    calendar = calendar or calendar_for(application.province_code)
    limit = _limit(application, stage, limits)
    due = calendar.add_working_days(started_on, limit)
    paused = application.state == S.SUPPLEMENT_REQUESTED
    counted_until = application.supplement_requested_on if paused else today
    used = calendar.working_days_between(started_on, counted_until or today)
    return Clock(
        stage=stage, started_on=started_on, limit=limit, used=used,
        left=max(limit - used, 0), due=due.due, provisional=due.provisional, paused=paused,
        holder_deadline=application.supplement_deadline if paused else None,
    )
