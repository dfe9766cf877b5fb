"""A Class II QMS verification has no statutory time limit (Order 47 Art 93's 30 working days
are for domestic Class III): the application shows the working days it has taken instead, from
the verification's own start."""

from __future__ import annotations

from datetime import date

from devreg.extensions import db
from devreg.registrations.pages import qms_elapsed_working_days
from devreg.review import services as review
from tests.registrations.helpers import D, K, S, application_in, client_for, text_of


def _started(demo, on: date = D):  # type: ignore[no-untyped-def]
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, today=D)  # Monday 2026-03-02
    review.start_qms(application, actor=application.assigned_reviewer, today=on)
    db.session.commit()
    return application


def test_qms_elapsed_counts_working_days_from_its_start_until_recorded(app, demo):
    application = _started(demo)
    assert qms_elapsed_working_days(application, date(2026, 3, 9)) == 5
    # past 30 working days there is still no "overdue": nothing to exceed
    assert qms_elapsed_working_days(application, date(2026, 4, 30)) > 30
    review.record_qms(application, actor=application.assigned_reviewer, result="pass",
                      notes="", today=date(2026, 3, 16))
    db.session.commit()
    assert qms_elapsed_working_days(application, date(2026, 12, 1)) == 10


def test_qms_elapsed_is_not_shown_before_the_verification_or_for_a_cancellation(app, demo):
    in_review = application_in(demo, K.INITIAL, S.IN_REVIEW, today=D)
    assert qms_elapsed_working_days(in_review, date(2026, 3, 9)) is None
    cancellation = application_in(demo, K.CANCELLATION, S.ACCEPTED, today=D)
    assert qms_elapsed_working_days(cancellation, date(2026, 3, 9)) is None


def test_application_page_shows_elapsed_days_and_no_qms_limit_in_both_languages(app, demo):
    application = _started(demo)
    url = f"/applications/{application.id}"
    english = text_of(client_for(app, "reviewer@demo.devreg").get(url))
    assert 'data-testid="qms-elapsed"' in english
    assert "has no statutory time limit" in english
    chinese = text_of(client_for(app, "reviewer@demo.devreg", lang="zh-CN").get(url))
    assert "第二类医疗器械的体系核查没有法定时限" in chinese
