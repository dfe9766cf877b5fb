"""Pauses and extensions in the browser, in both languages: the reviewer pauses and resumes on
the application page, the approver extends, and the holder sees why (Order 47 Art 96, Art 98)."""

from __future__ import annotations

from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations.models import ClockPause
from tests.registrations.helpers import (
    PASSWORD,
    K,
    S,
    app_path,
    application_in,
    client_for,
    post_action,
    submit_form,
    text_of,
)

NOTICE = "召开专家咨询会，审评时限暂停"


def _in_review(demo):  # type: ignore[no-untyped-def]
    return application_in(demo, K.INITIAL, S.IN_REVIEW, today=china_today())


def test_reviewer_pauses_and_resumes_and_the_holder_sees_the_reason_in_both_languages(app, demo):
    application = _in_review(demo)
    page = app_path(application)
    reviewer = client_for(app, "reviewer")
    response = submit_form(reviewer, page, f"/review{page}/pause", {
        "reason": "expert_consultation", "notice": NOTICE, "signature_password": PASSWORD})
    assert response.status_code == 302
    pause = db.session.query(ClockPause).filter_by(application_id=application.id).one()
    assert (pause.reason, pause.ended_on, pause.signature_id is not None) == (
        "expert_consultation", None, True)

    english = text_of(client_for(app, "holder").get(page))
    assert 'data-testid="paused"' in english
    assert "Expert consultation or meeting (Art 98(3))" in english
    assert NOTICE in english
    chinese = text_of(client_for(app, "holder", lang="zh_CN").get(page))
    assert "外聘专家咨询或专家会议（第九十八条第三项）" in chinese
    assert "计时暂停" in chinese

    response = submit_form(reviewer, page, f"/review{page}/resume")
    assert response.status_code == 302
    db.session.refresh(pause)
    assert pause.ended_on == china_today()
    after = text_of(client_for(app, "holder").get(page))
    assert 'data-testid="clock-periods"' in after
    assert 'data-testid="paused"' not in after


def test_pause_form_without_notice_keeps_the_reason_chosen(app, demo):
    application = _in_review(demo)
    page = app_path(application)
    response = submit_form(client_for(app, "reviewer"), page, f"/review{page}/pause", {
        "reason": "suspension", "notice": "", "signature_password": PASSWORD})
    assert response.status_code == 400
    body = text_of(response)
    assert '<option selected value="suspension">' in body or \
        'value="suspension" selected' in body
    assert db.session.query(ClockPause).count() == 0


def test_holder_sees_no_pause_form_and_is_refused(app, demo):
    application = _in_review(demo)
    page = app_path(application)
    holder = client_for(app, "holder")
    body = text_of(holder.get(page))
    assert f"/review{page}/pause" not in body
    assert f"/review{page}/extend" not in body
    response = post_action(holder, f"/review{page}/pause",
                           {"reason": "suspension", "notice": "x",
                            "signature_password": PASSWORD}, application, token_from=page)
    assert response.status_code == 403
    assert db.session.query(ClockPause).count() == 0


def test_approver_extension_over_half_is_refused_then_half_is_shown_to_the_holder(app, demo):
    application = _in_review(demo)
    page = app_path(application)
    approver = client_for(app, "approver")
    reason = "产品结构复杂，需延长审评时限"
    refused = submit_form(approver, page, f"/review{page}/extend", {
        "working_days": "31", "reason": reason, "signature_password": PASSWORD})
    assert refused.status_code == 422
    body = text_of(refused)
    assert "at most 30 working days" in body
    assert reason in body  # what was typed is kept
    assert application.clock_extensions == []

    granted = submit_form(approver, page, f"/review{page}/extend", {
        "working_days": "30", "reason": reason, "signature_password": PASSWORD})
    assert granted.status_code == 302
    holder_page = text_of(client_for(app, "holder").get(page))
    assert 'data-testid="extension"' in holder_page
    assert reason in holder_page
    assert "60 + 30 extension" in holder_page
    chinese = text_of(client_for(app, "holder", lang="zh_CN").get(page))
    assert "时限已延长（第九十六条）" in chinese
    assert f"/review{page}/extend" not in text_of(approver.get(page))  # once only


def test_reviewer_starts_the_qms_verification_on_the_page(app, demo):
    application = _in_review(demo)
    page = app_path(application)
    response = submit_form(client_for(app, "reviewer"), page, f"/review{page}/qms-start")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.qms_started_on == china_today()
    body = text_of(client_for(app, "holder").get(page))
    assert 'data-testid="qms-running"' in body
    assert "QMS verification (Art 98(5))" in body


def test_application_list_and_queue_show_a_paused_clock_for_any_pause_kind(app, demo):
    application = _in_review(demo)
    from devreg.review import services as review

    review.record_pause(application, actor=application.assigned_reviewer, password=PASSWORD,
                        reason="holder_delay", notice="申请人要求推迟现场核查",
                        today=china_today())
    db.session.commit()
    reviewer = client_for(app, "reviewer")
    for page in ("/applications", "/review/queue?stage=review"):
        body = text_of(reviewer.get(page))
        assert 'data-testid="paused"' in body, page
        assert "Verification delayed by the holder (Art 98(2))" in body, page


def test_list_filter_overdue_leaves_out_a_paused_clock_and_the_home_page_counts_it_not(
        app, demo):
    from datetime import date

    long_ago = date(2026, 3, 2)  # 60 working days have long passed
    running = application_in(demo, K.INITIAL, S.IN_REVIEW, today=long_ago, name="甲型监护仪")
    paused = application_in(demo, K.INITIAL, S.IN_REVIEW, today=long_ago, name="乙型监护仪")
    from devreg.review import services as review

    review.record_pause(paused, actor=paused.assigned_reviewer, password=PASSWORD,
                        reason="suspension", notice="中止审评", today=date(2026, 3, 3))
    db.session.commit()
    reviewer = client_for(app, "reviewer")
    body = text_of(reviewer.get("/applications?clock=overdue"))
    assert running.reference in body
    assert paused.reference not in body
