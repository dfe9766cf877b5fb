"""The holder's and the regulator's deadlines bind the actions themselves, not only the sweep:
a correction notice is possible only within the acceptance limit (afterwards the application
counts as accepted from receipt), and a supplement answer only until its one-year deadline
(afterwards the review has ended)."""

from __future__ import annotations

from datetime import date

import pytest

from devreg.errors import DomainError
from devreg.extensions import db
from tests.registrations.helpers import K, S, application_in, perform

MON = date(2026, 3, 2)


def test_correction_notice_on_last_day_of_acceptance_limit_is_allowed(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    perform("request_correction", application, demo.user("reviewer"), today=date(2026, 3, 9))
    db.session.commit()
    assert application.state == S.CORRECTION_REQUESTED


def test_correction_notice_after_acceptance_limit_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, today=MON)
    with pytest.raises(DomainError) as refused:
        perform("request_correction", application, demo.user("reviewer"),
                today=date(2026, 3, 10))
    assert "2026-03-09" in refused.value.message
    db.session.rollback()
    db.session.refresh(application)
    assert application.state == S.SUBMITTED
    assert application.correction_items is None
    perform("accept", application, demo.user("reviewer"), today=date(2026, 3, 10))
    db.session.commit()
    assert application.state == S.ACCEPTED


def test_supplement_answer_on_the_deadline_is_allowed(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
    perform("answer_supplement", application, demo.user("holder"), today=date(2027, 3, 2))
    db.session.commit()
    assert application.state == S.IN_REVIEW


def test_supplement_answer_after_the_deadline_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=MON)
    with pytest.raises(DomainError) as refused:
        perform("answer_supplement", application, demo.user("holder"), today=date(2027, 3, 3))
    assert "2027-03-02" in refused.value.message
    db.session.rollback()
    db.session.refresh(application)
    assert application.state == S.SUPPLEMENT_REQUESTED
    assert application.supplement_answer is None
