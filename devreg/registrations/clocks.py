"""The statutory clock of an open application: stage, working days used and left, due date.

Day 1 is the first working day after the triggering event. The review clock stops while the
holder prepares a supplement and a new review clock starts when the supplement arrives
(DOMAIN.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from devreg.registrations.models import Application
from devreg.registrations.states import ApplicationState
from devreg.workdays.models import Stage
from devreg.workdays.queries import calendar_for, time_limit

S = ApplicationState
DUE_SOON_WORKING_DAYS = 5


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
        return not self.paused and not self.overdue and self.left <= DUE_SOON_WORKING_DAYS


def _limit(application: Application, stage: Stage) -> int:
    snapshot = application.time_limits or {}
    return int(snapshot.get(stage.value) or time_limit(application.province_code, stage))


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


def clock_for(application: Application, today: date, calendar=None) -> Clock | None:  # type: ignore[no-untyped-def]
    """None when no regulator clock runs (draft, correction with the holder, closed)."""
    stage_and_start = _stage(application)
    if stage_and_start is None or stage_and_start[1] is None:
        return None
    stage, started_on = stage_and_start
    calendar = calendar or calendar_for(application.province_code)
    limit = _limit(application, stage)
    due = calendar.add_working_days(started_on, limit)
    paused = application.state == S.SUPPLEMENT_REQUESTED
    counted_until = application.supplement_requested_on if paused else today
    used = calendar.working_days_between(started_on, counted_until or today)
    return Clock(
        stage=stage, started_on=started_on, limit=limit, used=used,
        left=max(limit - used, 0), due=due.due, provisional=due.provisional, paused=paused,
        holder_deadline=application.supplement_deadline if paused else None,
    )
