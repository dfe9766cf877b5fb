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


# --- Civil Code Art 203: the one-year deadline rolls past holidays and rest days -------------

@pytest.mark.parametrize(("requested", "deadline"), [
    # 2026-05-01 is Labour Day (1-5 May): the next working day is Wednesday 6 May
    (date(2025, 5, 1), date(2026, 5, 6)),
    # 2026-10-01 is National Day (1-7 October): Thursday 8 October
    (date(2025, 10, 1), date(2026, 10, 8)),
    # 2026-03-01 is a Sunday: Monday 2 March
    (date(2025, 3, 1), date(2026, 3, 2)),
    # 2026-02-28 is a Saturday worked instead of a Spring Festival day (调休): it stays
    (date(2025, 2, 28), date(2026, 2, 28)),
    # an ordinary Tuesday stays
    (date(2025, 3, 3), date(2026, 3, 3)),
], ids=["labour-day", "national-day", "sunday", "adjusted-saturday", "working-day"])
def test_supplement_deadline_on_a_holiday_or_rest_day_moves_to_the_next_working_day(
        app, demo, requested, deadline):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=requested)
    perform("request_supplement", application, demo.user("reviewer"), today=requested)
    db.session.commit()
    assert application.supplement_deadline == deadline


def test_supplement_deadline_follows_the_provinces_regulator_holidays(app, demo):
    from devreg.workdays import services as workdays

    workdays.add_regulator_holiday("13", date(2026, 3, 3), "搬迁", actor=demo.user("admin"))
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=date(2025, 3, 3))
    perform("request_supplement", application, demo.user("reviewer"), today=date(2025, 3, 3))
    db.session.commit()
    assert application.supplement_deadline == date(2026, 3, 4)


def test_supplement_answer_on_the_rolled_deadline_is_allowed(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=date(2025, 5, 1))
    perform("request_supplement", application, demo.user("reviewer"), today=date(2025, 5, 1))
    db.session.commit()
    perform("answer_supplement", application, demo.user("holder"), today=date(2026, 5, 6))
    db.session.commit()
    assert application.state == S.IN_REVIEW
