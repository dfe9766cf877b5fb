"""Reviewer queues: the applications waiting for each duty, priority first, then by due date.
Filtered, sorted and paged in the database (devreg/registrations/lists.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, or_, select

from devreg.auth.roles import Duty
from devreg.extensions import db
from devreg.i18n import _l
from devreg.listing import count_together
from devreg.registrations.clock_pages import clock_condition, clocks_for
from devreg.registrations.clocks import Clock
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.lists import QUEUE_SORTS, ROW_LOADING
from devreg.registrations.models import Application
from devreg.registrations.states import ApplicationState

S = ApplicationState
QUEUES = {
    "acceptance": (_l("Acceptance"), Duty.ACCEPT, (S.SUBMITTED,)),
    "review": (_l("Technical review"), Duty.REVIEW,
               (S.ACCEPTED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED, S.OBJECTION)),
    # Order 47 Art 54: a terminated review waits here for the signed refusal (不予注册)
    "decision": (_l("Decision"), Duty.APPROVE, (S.REVIEW_DONE, S.ACCEPTED, S.TERMINATED)),
}
_REVIEWED = [k.value for k in ApplicationKind if k.is_reviewed]
_UNREVIEWED = [k.value for k in ApplicationKind if not k.is_reviewed]


def user_queues(user) -> list[str]:  # type: ignore[no-untyped-def]
    """The queues the user's duties give, in the order of the work."""
    return [key for key, (_title, duty, _states) in QUEUES.items() if user.has_duty(duty)]


def queue_query(user, stage: str) -> Select[tuple[Application]]:  # type: ignore[no-untyped-def]
    """The applications of one queue in the user's province (none without the duty)."""
    _title, duty, states = QUEUES[stage]
    query = select(Application).where(
        Application.province_code == user.jurisdiction,
        Application.state.in_([s.value for s in states]))
    if not user.has_duty(duty):
        return query.where(Application.id.is_(None))
    if stage == "review":
        # an accepted change filing or cancellation goes straight to the decision
        query = query.where(Application.kind.in_(_REVIEWED))
    elif stage == "decision":
        query = query.where(or_(Application.state.in_([S.REVIEW_DONE.value,
                                                       S.TERMINATED.value]),
                                Application.kind.in_(_UNREVIEWED)))
    return query


def queue_counts(user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many applications wait in each of the user's queues (all in one statement)."""
    return count_together({key: queue_query(user, key) for key in user_queues(user)})


def queue_rows(user, stage: str, today: date,  # type: ignore[no-untyped-def]
               limit: int | None = None) -> list[tuple[Application, Clock | None]]:
    """The queue in its working order (priority, then due date), the first ``limit`` rows."""
    query = queue_query(user, stage).options(*ROW_LOADING).order_by(
        *QUEUE_SORTS["due"].order_by())
    if limit is not None:
        query = query.limit(limit)
    return clocks_for(db.session.scalars(query).all(), today)


def overdue_condition(user, which: str, today: date):  # type: ignore[no-untyped-def]
    return clock_condition(which, user.jurisdiction, today)
