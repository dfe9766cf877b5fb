"""The stored due-soon and overdue days of each running clock (registrations/clock_store.py):
the lists' "overdue" and "due soon" filters and the due-date order use them, so they must say
what the clock on the row says, on every day, closed pauses and extensions included."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from devreg.extensions import db
from devreg.registrations.clock_store import alert_dates
from devreg.registrations.clocks import clock_for
from devreg.registrations.models import Application
from devreg.review import services as review
from devreg.review.sweep import run_sweep
from devreg.workdays import services as workdays
from devreg.workdays.models import Stage
from tests.registrations.helpers import (
    PASSWORD,
    K,
    S,
    application_in,
    client_for,
    right_actor,
    text_of,
)


def stored(application: Application) -> tuple[date | None, date | None]:
    soon_from, overdue_from = db.session.execute(select(
        Application.clock_soon_from, Application.clock_overdue_from)
        .where(Application.id == application.id)).one()
    return soon_from, overdue_from


def agrees_on_every_day(application: Application, start: date, days: int) -> None:
    soon_from, overdue_from = stored(application)
    for offset in range(days):
        day = start + timedelta(days=offset)
        clock = clock_for(application, day)
        assert clock is not None and not clock.paused
        assert (overdue_from <= day) == clock.overdue, (day, clock)
        assert (soon_from <= day < overdue_from) == clock.due_soon, (day, clock)


def test_a_file_whose_closed_pause_kept_it_in_time_is_not_listed_overdue(app, demo):
    """Measured before: the database estimated the due date from the stage's start alone, so
    a file paused for months and resumed was listed as overdue while its row showed days
    left."""
    accepted = date(2026, 8, 3)
    resumed_file = application_in(demo, K.INITIAL, S.IN_REVIEW, today=accepted,
                                  name="丙型输液泵")
    running_file = application_in(demo, K.INITIAL, S.IN_REVIEW, today=accepted,
                                  name="丁型输液泵")
    reviewer = resumed_file.assigned_reviewer
    review.record_pause(resumed_file, actor=reviewer, password=PASSWORD, reason="suspension",
                        notice="中止审评", today=date(2026, 8, 4))
    db.session.commit()
    review.resume_clock(resumed_file, actor=reviewer, today=date(2026, 11, 30))
    db.session.commit()
    today = date(2026, 12, 2)
    assert not clock_for(resumed_file, today).overdue
    assert clock_for(running_file, today).overdue
    agrees_on_every_day(resumed_file, date(2026, 8, 4), 200)
    agrees_on_every_day(running_file, accepted + timedelta(days=1), 200)

    body = text_of(client_for(app, "reviewer").get("/applications?clock=overdue"))
    assert running_file.reference in body
    assert resumed_file.reference not in body


def test_an_open_pause_stores_no_dates_and_ending_it_stores_them_again(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=date(2026, 3, 2))
    assert stored(application) == alert_dates(application) != (None, None)
    review.record_pause(application, actor=application.assigned_reviewer, password=PASSWORD,
                        reason="expert_consultation", notice="专家咨询", today=date(2026, 3, 3))
    db.session.commit()
    assert stored(application) == (None, None)
    review.resume_clock(application, actor=application.assigned_reviewer,
                        today=date(2026, 3, 20))
    db.session.commit()
    assert stored(application) == alert_dates(application)
    agrees_on_every_day(application, date(2026, 3, 20), 120)


def test_an_extension_moves_the_stored_overdue_day(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=date(2026, 3, 2))
    _soon, before = stored(application)
    review.extend_clock(application, actor=right_actor("approve", application),
                        password=PASSWORD, working_days=30, reason="产品特性复杂",
                        today=date(2026, 4, 1))
    db.session.commit()
    _soon, after = stored(application)
    assert after > before + timedelta(days=30)
    agrees_on_every_day(application, date(2026, 3, 3), 200)


def test_a_regulator_holiday_rewrites_the_province_stored_days_in_the_same_commit(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=date(2026, 3, 2))
    beijing = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 9),
                             holder="holder.bj")
    _soon, before = stored(application)
    beijing_before = stored(beijing)
    workdays.add_regulator_holiday("13", date(2026, 3, 10), "机关搬迁",
                                   actor=demo.user("admin"))
    db.session.commit()
    _soon, after = stored(application)
    assert after > before
    assert stored(application) == alert_dates(application)
    assert stored(beijing) == beijing_before  # another province's calendar did not change


def test_a_new_acceptance_limit_rewrites_the_stored_days_of_files_not_yet_accepted(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, today=date(2026, 3, 2))
    _soon, before = stored(application)
    workdays.set_time_limit("13", Stage.ACCEPTANCE, 3, actor=demo.user("admin"))
    db.session.commit()
    _soon, after = stored(application)
    assert after < before
    agrees_on_every_day(application, date(2026, 3, 3), 20)


def test_the_sweep_restores_stored_days_lost_or_never_written(app, demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=date(2026, 3, 2))
    expected = stored(application)
    db.session.execute(update(Application).values(clock_soon_from=None,
                                                  clock_overdue_from=None))
    db.session.commit()
    result = run_sweep(date(2026, 3, 3))
    db.session.commit()
    assert stored(application) == expected
    assert result.clocks_refreshed >= 1
    assert run_sweep(date(2026, 3, 3)).clocks_refreshed >= 1  # it counts what it checked
