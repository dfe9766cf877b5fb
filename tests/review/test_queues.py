"""Reviewer queues: priority first, then by due date; each queue holds its stage's work."""

from __future__ import annotations

from datetime import date

import pytest

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.review import services as review
from devreg.review.queries import queue_rows
from tests.registrations.helpers import (
    K,
    S,
    app_path,
    application_in,
    client_for,
    post_action,
    submit_form,
    text_of,
)

TODAY = date(2026, 3, 10)


def _ids(rows) -> list[int]:  # type: ignore[no-untyped-def]
    return [application.id for application, _clock in rows]


def test_queue_sorts_priority_first_then_by_due_date(app, demo):
    later = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 4))  # due 11th
    sooner = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 2))  # due 9th
    priority = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 5))  # 12th
    review.set_priority(priority, actor=demo.user("reviewer"), priority=True)
    db.session.commit()
    rows = queue_rows(demo.user("reviewer"), "acceptance", TODAY)
    assert _ids(rows) == [priority.id, sooner.id, later.id]
    assert [clock.due for _a, clock in rows] == [date(2026, 3, 12), date(2026, 3, 9),
                                                 date(2026, 3, 11)]


def test_queue_of_two_priority_applications_sorts_them_by_due_date(app, demo):
    first = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 5))
    second = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 2))
    plain = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 2, 27))
    for application in (first, second):
        review.set_priority(application, actor=demo.user("reviewer"), priority=True)
    db.session.commit()
    assert _ids(queue_rows(demo.user("reviewer"), "acceptance", TODAY)) == [
        second.id, first.id, plain.id]


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
    priority = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 5),
                              name="乙型血压计")
    review.set_priority(priority, actor=demo.user("reviewer"), priority=True)
    db.session.commit()
    page = text_of(client_for(app, "reviewer").get("/review/queue?stage=acceptance"))
    assert page.index(priority.reference) < page.index(plain.reference)


def test_priority_flag_through_the_rendered_form_sets_and_clears_it(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    client = client_for(app, "reviewer")
    action = f"/review/applications/{application.id}/priority"
    response = submit_form(client, app_path(application), action)
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.is_priority is True
    assert "Priority review" in text_of(client.get(app_path(application)))
    response = submit_form(client, app_path(application), action)
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.is_priority is False


def test_priority_flag_by_holder_or_reviewer_without_accept_duty_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    for email in ("holder", "approver"):  # may see it, may not flag it
        response = post_action(client_for(app, email),
                               f"/review/applications/{application.id}/priority",
                               {"priority": "1"}, application)
        assert response.status_code == 403
    db.session.refresh(application)
    assert application.is_priority is False


def test_priority_flag_on_closed_application_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.WITHDRAWN)
    with pytest.raises(DomainError):
        review.set_priority(application, actor=demo.user("reviewer"), priority=True)
