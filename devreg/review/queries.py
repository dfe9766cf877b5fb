"""Reviewer queues: the applications waiting for each duty, priority first, then by due date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from devreg.auth.roles import Duty
from devreg.extensions import db
from devreg.i18n import _l
from devreg.registrations.clock_pages import clocks_for
from devreg.registrations.clocks import Clock
from devreg.registrations.models import Application
from devreg.registrations.states import ApplicationState

S = ApplicationState
QUEUES = {
    "acceptance": (_l("Acceptance"), Duty.ACCEPT, (S.SUBMITTED,)),
    "review": (_l("Technical review"), Duty.REVIEW,
               (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED)),
    "decision": (_l("Decision"), Duty.APPROVE, (S.REVIEW_DONE, S.ACCEPTED)),
}


def queue_rows(user, stage: str, today: date) -> list[tuple[Application, Clock | None]]:  # type: ignore[no-untyped-def]
    _title, duty, states = QUEUES[stage]
    if not user.has_duty(duty):
        return []
    applications = db.session.scalars(select(Application).where(
        Application.province_code == user.jurisdiction,
        Application.state.in_([s.value for s in states])))
    if stage == "review":
        applications = [a for a in applications if a.kind_enum.is_reviewed]
    elif stage == "decision":
        applications = [a for a in applications
                        if a.state == S.REVIEW_DONE or not a.kind_enum.is_reviewed]
    rows = clocks_for(applications, today)
    far = date.max
    rows.sort(key=lambda row: (not row[0].is_priority,
                               row[1].due if row[1] and not row[1].paused else far, row[0].id))
    return rows
