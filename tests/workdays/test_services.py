"""Calendars and time limits loaded from the database, and the services writing them."""

from datetime import date

import pytest
from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.workdays.models import STATUTORY_LIMITS, CalendarDay, CalendarYear, Stage
from devreg.workdays.queries import calendar_for, time_limit, time_limits_snapshot
from devreg.workdays.services import (
    add_regulator_holiday,
    enter_year,
    remove_regulator_holiday,
    set_time_limit,
)

HEBEI, JIANGSU = "13", "32"
CLOCK_START = date(2026, 11, 25)


def test_statutory_defaults():
    assert STATUTORY_LIMITS == {
        Stage.ACCEPTANCE: 5, Stage.TECHNICAL_REVIEW: 60, Stage.SUPPLEMENT_REVIEW: 60,
        Stage.DECISION: 20, Stage.CERTIFICATE_ISSUE: 10,
    }
    # Order 47 Art 93's 30 days are for Class III: a Class II QMS verification has no limit
    assert Stage.QMS_VERIFICATION not in STATUTORY_LIMITS
    assert time_limits_snapshot(HEBEI) == {s.value: d for s, d in STATUTORY_LIMITS.items()}
    assert time_limit(HEBEI, "technical_review") == 60


def test_enter_year_moves_due_date_and_ends_provisional(demo):
    before = calendar_for(HEBEI).add_working_days(CLOCK_START, 60)
    assert (before.due, before.provisional) == (date(2027, 2, 17), True)

    enter_year(2027, [(date(2027, 1, 1), "holiday", "元旦"),
                      (date(2027, 2, 20), "workday", "春节调休")], actor=demo.user("admin"))
    db.session.commit()

    after = calendar_for(HEBEI).add_working_days(CLOCK_START, 60)
    assert (after.due, after.provisional) == (date(2027, 2, 18), False)
    year = db.session.scalar(select(CalendarYear))
    assert year.entered_by == demo.user("admin")


def test_enter_year_replaces_and_audits_only_changes(demo):
    admin = demo.user("admin")
    enter_year(2027, [(date(2027, 1, 1), "holiday", "元旦"),
                      (date(2027, 2, 8), "holiday", "春节")], actor=admin)
    db.session.commit()
    enter_year(2027, [(date(2027, 1, 1), "holiday", "元旦"),
                      (date(2027, 2, 9), "holiday", "春节")], actor=admin)
    db.session.commit()

    days = db.session.scalars(select(CalendarDay.date).order_by(CalendarDay.date)).all()
    assert days == [date(2027, 1, 1), date(2027, 2, 9)]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "CalendarDay").order_by(AuditEvent.id)).all()
    assert actions == ["create", "create", "delete", "create"]
    assert not calendar_for(None).is_workday(date(2027, 2, 9))
    assert calendar_for(None).is_workday(date(2027, 2, 8))


def test_enter_year_bad_entries_saves_nothing(app, demo):
    # DomainError messages are translated, which needs a request's locale
    with app.test_request_context(), pytest.raises(DomainError) as error:
        enter_year(2027, [(date(2027, 1, 1), "holiday", "元旦"),
                          (date(2027, 3, 1), "workday", "调休")], actor=demo.user("admin"))
    assert "2027-03-01" in error.value.details[0]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_regulator_holiday_delays_only_its_province(app, demo):
    holiday = add_regulator_holiday(HEBEI, date(2026, 11, 26), "办公楼搬迁",
                                    actor=demo.user("admin"))
    db.session.commit()
    assert calendar_for(HEBEI).add_working_days(CLOCK_START, 1).due == date(2026, 11, 27)
    assert calendar_for(JIANGSU).add_working_days(CLOCK_START, 1).due == date(2026, 11, 26)
    with app.test_request_context(), pytest.raises(DomainError):
        add_regulator_holiday(HEBEI, date(2026, 11, 26), "again", actor=demo.user("admin"))
    remove_regulator_holiday(holiday, actor=demo.user("admin"))
    db.session.commit()
    assert calendar_for(HEBEI).add_working_days(CLOCK_START, 1).due == date(2026, 11, 26)


def test_set_time_limit_applies_to_its_province_only(app, demo):
    set_time_limit(HEBEI, Stage.TECHNICAL_REVIEW, 40, actor=demo.user("admin"))
    db.session.commit()
    assert time_limit(HEBEI, Stage.TECHNICAL_REVIEW) == 40
    assert time_limit(JIANGSU, Stage.TECHNICAL_REVIEW) == 60
    assert time_limits_snapshot(HEBEI)["technical_review"] == 40
    assert time_limits_snapshot(HEBEI)["decision"] == 20
    set_time_limit(HEBEI, "technical_review", 35, actor=demo.user("admin"))
    db.session.commit()
    assert time_limit(HEBEI, "technical_review") == 35
    with app.test_request_context(), pytest.raises(DomainError):
        set_time_limit(HEBEI, Stage.DECISION, 0, actor=demo.user("admin"))


def test_set_time_limit_refuses_a_class_ii_qms_verification_limit(demo):
    # Order 47 Art 93: the 30-working-day verification limit is a Class III rule
    with pytest.raises(DomainError) as refused:
        set_time_limit(HEBEI, Stage.QMS_VERIFICATION, 30, actor=demo.user("admin"))
    assert "no time limit" in refused.value.message
