"""Reviewer queues: priority first, then by due date; each queue holds its stage's work."""

from __future__ import annotations

from datetime import date

from devreg.extensions import db
from devreg.review import services as review
from devreg.review.queries import queue_rows
from tests.registrations.helpers import (
    PASSWORD,
    K,
    S,
    advance,
    application_in,
    client_for,
    new_draft,
    text_of,
)

TODAY = date(2026, 3, 10)


def _ids(rows) -> list[int]:  # type: ignore[no-untyped-def]
    return [application.id for application, _clock in rows]


def _priority(demo, today: date, **device):  # type: ignore[no-untyped-def]
    """A submitted initial application whose holder asked for priority review (Hebei runs it
    for first registrations)."""
    from devreg.registrations import services as svc
    from devreg.workdays.services import set_stream

    set_stream("13", "priority", ["initial"], actor=demo.user("admin"))
    draft = new_draft(demo, K.INITIAL, today=today, **device)
    svc.request_stream(draft, actor=demo.user("holder"), stream="priority", reason="儿童专用")
    db.session.commit()
    advance(draft, ("submit",), today=today)
    return draft


def test_queue_sorts_priority_first_then_by_due_date(app, demo):
    later = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 4))  # due 11th
    sooner = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 2))  # due 9th
    priority = _priority(demo, date(2026, 3, 5))  # 12th
    rows = queue_rows(demo.user("reviewer"), "acceptance", TODAY)
    assert _ids(rows) == [priority.id, sooner.id, later.id]
    assert [clock.due for _a, clock in rows] == [date(2026, 3, 12), date(2026, 3, 9),
                                                 date(2026, 3, 11)]


def test_queue_of_two_priority_applications_sorts_them_by_due_date(app, demo):
    first = _priority(demo, date(2026, 3, 5))
    second = _priority(demo, date(2026, 3, 2))
    plain = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 2, 27))
    assert _ids(queue_rows(demo.user("reviewer"), "acceptance", TODAY)) == [
        second.id, first.id, plain.id]


def test_review_queue_keeps_a_granted_priority_first(app, demo):
    plain = application_in(demo, K.INITIAL, S.ACCEPTED, today=date(2026, 3, 2))
    priority = _priority(demo, date(2026, 3, 5))
    review.accept(priority, actor=demo.user("reviewer"), password=PASSWORD,
                  today=date(2026, 3, 5), stream_decision="grant")
    db.session.commit()
    assert priority.stream == "priority"
    assert _ids(queue_rows(demo.user("reviewer"), "review", TODAY)) == [priority.id, plain.id]


def test_review_queue_puts_stopped_clocks_last(app, demo):
    waiting = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=date(2026, 3, 2))
    running = application_in(demo, K.INITIAL, S.IN_REVIEW, today=date(2026, 3, 5))
    accepted = application_in(demo, K.CHANGE, S.ACCEPTED, today=date(2026, 3, 4))
    rows = queue_rows(demo.user("reviewer"), "review", TODAY)
    assert _ids(rows) == [accepted.id, running.id, waiting.id]


def test_decision_queue_holds_review_done_and_accepted_cancellations_only(app, demo):
    done = application_in(demo, K.INITIAL, S.REVIEW_DONE)
    cancellation = application_in(demo, K.CANCELLATION, S.ACCEPTED)
    unreviewed = application_in(demo, K.INITIAL, S.ACCEPTED)
    ids = _ids(queue_rows(demo.user("approver"), "decision", TODAY))
    assert set(ids) == {done.id, cancellation.id}
    assert unreviewed.id not in ids


def test_queue_without_the_duty_or_of_another_province_is_empty(app, demo):
    application_in(demo, K.INITIAL, S.SUBMITTED)
    assert queue_rows(demo.user("approver"), "acceptance", TODAY) == []
    assert queue_rows(demo.user("reviewer.js"), "acceptance", TODAY) == []
    assert len(queue_rows(demo.user("reviewer"), "acceptance", TODAY)) == 1


def test_queue_page_lists_priority_first(app, demo):
    plain = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 2),
                           name="甲型血压计")
    priority = _priority(demo, date(2026, 3, 5), name="乙型血压计")
    page = text_of(client_for(app, "reviewer").get("/review/queue?stage=acceptance"))
    assert page.index(priority.reference) < page.index(plain.reference)
