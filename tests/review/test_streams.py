"""Time limits per province x stage x kind x stream (Order 47 Art 119): a province enables the
special streams it runs and the kinds each applies to; no setting exceeds the statutory limit;
the holder asks for priority with a reason and the acceptance officer grants or refuses it,
signed; the limits of the granted stream are snapshotted at acceptance."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as svc
from devreg.registrations.clocks import clock_for
from devreg.review import services as review
from devreg.signatures.models import Signature
from devreg.workdays.models import Stage, TimeLimitSetting
from devreg.workdays.queries import time_limits_snapshot
from devreg.workdays.services import set_stream, set_time_limit
from tests.registrations.helpers import (
    PASSWORD,
    K,
    advance,
    app_path,
    client_for,
    new_draft,
    submit_form,
    text_of,
)

MON = date(2026, 3, 2)


def hebei_priority(demo) -> None:  # type: ignore[no-untyped-def]
    """Hebei priority review: first registrations only, 45 + 45 (冀药监规〔2020〕1号)."""
    admin = demo.user("admin")
    set_stream("13", "priority", ["initial"], actor=admin)
    for stage in (Stage.TECHNICAL_REVIEW, Stage.SUPPLEMENT_REVIEW):
        set_time_limit("13", stage, 45, actor=admin, kind="initial", stream="priority")
    db.session.commit()


def requested(demo, kind=K.INITIAL, today=MON):  # type: ignore[no-untyped-def]
    draft = new_draft(demo, kind, today=today)
    svc.request_stream(draft, actor=demo.user("holder"), stream="priority",
                       reason="儿童专用医疗器械")
    db.session.commit()
    advance(draft, ("submit",), today=today)
    return draft


def nth_working_day_after(start: date, n: int) -> date:
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


# --- settings -------------------------------------------------------------------------------

def test_limit_longer_than_the_statutory_one_is_refused_with_the_statutory_value(app, demo):
    with pytest.raises(DomainError) as refused:
        set_time_limit("13", Stage.TECHNICAL_REVIEW, 70, actor=demo.user("admin"))
    assert "60" in refused.value.message and "70" in refused.value.message
    with pytest.raises(DomainError):
        set_time_limit("13", Stage.TECHNICAL_REVIEW, 61, actor=demo.user("admin"),
                       kind="initial", stream="priority")
    db.session.rollback()
    set_time_limit("13", Stage.TECHNICAL_REVIEW, 60, actor=demo.user("admin"))
    db.session.commit()
    assert db.session.query(TimeLimitSetting).count() == 1


def test_admin_form_refuses_seventy_for_the_technical_review_showing_sixty(app, demo):
    admin = client_for(app, "admin")
    page = "/admin/calendar/provinces/13"
    response = submit_form(admin, page, "/admin/calendar/provinces/13/limits",
                           {"technical_review": "70"})
    body = text_of(response)
    assert "Between 1 and the statutory 60 working days." in body
    assert db.session.query(TimeLimitSetting).count() == 0
    response = submit_form(admin, page, "/admin/calendar/provinces/13/special-limits", {
        "stream": "priority", "kind": "initial", "stage": "technical_review",
        "working_days": "70"})
    assert "at most the statutory 60 working days (70 is longer)" in text_of(response)
    assert db.session.query(TimeLimitSetting).count() == 0
    chinese = client_for(app, "admin", lang="zh_CN")
    response = submit_form(chinese, page, "/admin/calendar/provinces/13/special-limits", {
        "stream": "priority", "kind": "initial", "stage": "technical_review",
        "working_days": "70"})
    assert "不得超过法定时限 60 个工作日" in text_of(response)


def test_admin_sets_hebei_priority_for_first_registrations_in_the_browser(app, demo):
    admin = client_for(app, "admin")
    page = "/admin/calendar/provinces/13"
    response = submit_form(admin, page, "/admin/calendar/provinces/13/streams",
                           {"stream": "priority", "kinds": ["initial"]})
    assert response.status_code == 302
    for stage in ("technical_review", "supplement_review"):
        response = submit_form(admin, page, "/admin/calendar/provinces/13/special-limits", {
            "stream": "priority", "kind": "initial", "stage": stage, "working_days": "45"})
        assert response.status_code == 302
    body = text_of(admin.get(page))
    assert 'data-testid="special-limits"' in body
    assert "Priority review (优先审批)" in body
    snapshot = time_limits_snapshot("13", "initial", "priority")
    assert (snapshot["technical_review"], snapshot["supplement_review"]) == (45, 45)
    assert time_limits_snapshot("13", "change", "priority")["technical_review"] == 60
    assert time_limits_snapshot("13", "initial")["technical_review"] == 60
    assert time_limits_snapshot("11", "initial", "priority")["technical_review"] == 60


def test_most_specific_setting_applies(app, demo):
    admin = demo.user("admin")
    set_time_limit("13", Stage.TECHNICAL_REVIEW, 50, actor=admin)
    set_time_limit("13", Stage.TECHNICAL_REVIEW, 40, actor=admin, kind="renewal")
    set_time_limit("13", Stage.TECHNICAL_REVIEW, 30, actor=admin, stream="innovative")
    set_time_limit("13", Stage.TECHNICAL_REVIEW, 20, actor=admin, kind="initial",
                   stream="innovative")
    db.session.commit()
    limit = {(kind, stream): time_limits_snapshot("13", kind, stream)["technical_review"]
             for kind in ("initial", "change", "renewal")
             for stream in ("ordinary", "innovative")}
    assert limit == {("initial", "ordinary"): 50, ("change", "ordinary"): 50,
                     ("renewal", "ordinary"): 40, ("initial", "innovative"): 20,
                     ("change", "innovative"): 30, ("renewal", "innovative"): 30}


# --- the holder's request and the decision at acceptance --------------------------------------

def test_priority_granted_at_acceptance_runs_on_forty_five_plus_forty_five(app, demo):
    hebei_priority(demo)
    application = requested(demo)
    review.accept(application, actor=demo.user("reviewer"), password=PASSWORD, today=MON,
                  stream_decision="grant")
    db.session.commit()
    assert application.stream == "priority"
    assert application.time_limits["technical_review"] == 45
    assert application.time_limits["supplement_review"] == 45
    clock = clock_for(application, MON)
    assert clock.limit == 45
    assert clock.due == nth_working_day_after(MON, 45)
    signature = db.session.scalars(select(Signature).where(
        Signature.subject_id == application.id, Signature.meaning == "accepted")).one()
    assert signature.signer_id == demo.user("reviewer").id
    from devreg.signatures.records import VALID, check

    assert check(signature).status == VALID  # the granted stream is part of what was signed
    # later setting changes do not move it: the limits were snapshotted at acceptance
    set_time_limit("13", Stage.TECHNICAL_REVIEW, 30, actor=demo.user("admin"), kind="initial",
                   stream="priority")
    db.session.commit()
    assert clock_for(application, MON).limit == 45


def test_priority_refused_at_acceptance_needs_reasons_and_runs_ordinary(app, demo):
    hebei_priority(demo)
    application = requested(demo)
    with pytest.raises(DomainError):
        review.accept(application, actor=demo.user("reviewer"), password=PASSWORD, today=MON,
                      stream_decision="refuse")
    db.session.rollback()
    with pytest.raises(DomainError):  # undecided
        review.accept(application, actor=demo.user("reviewer"), password=PASSWORD, today=MON)
    db.session.rollback()
    review.accept(application, actor=demo.user("reviewer"), password=PASSWORD, today=MON,
                  stream_decision="refuse", stream_reasons="不属于优先审批情形")
    db.session.commit()
    assert application.stream == "ordinary"
    assert application.stream_decision_reasons == "不属于优先审批情形"
    assert clock_for(application, MON).limit == 60


def test_priority_request_for_a_kind_the_province_does_not_run_is_refused(app, demo):
    hebei_priority(demo)
    draft = new_draft(demo, K.CHANGE, today=MON)
    with pytest.raises(DomainError) as refused:
        svc.request_stream(draft, actor=demo.user("holder"), stream="priority", reason="急需")
    assert "Change registration" in refused.value.message
    db.session.rollback()
    beijing = new_draft(demo, K.INITIAL, today=MON, holder="holder.bj")
    with pytest.raises(DomainError):
        svc.request_stream(beijing, actor=demo.user("holder.bj"), stream="priority",
                           reason="急需")
    db.session.rollback()


def test_priority_request_without_reason_or_after_submission_is_refused(app, demo):
    hebei_priority(demo)
    draft = new_draft(demo, K.INITIAL, today=MON)
    with pytest.raises(DomainError):
        svc.request_stream(draft, actor=demo.user("holder"), stream="priority", reason="")
    db.session.rollback()
    application = requested(demo)
    with pytest.raises(Forbidden):  # the dossier is with the regulator now
        svc.request_stream(application, actor=demo.user("holder"), stream="innovative",
                           reason="创新")
    db.session.rollback()


def test_grant_refused_when_the_province_stopped_running_the_stream(app, demo):
    hebei_priority(demo)
    application = requested(demo)
    set_stream("13", "priority", [], actor=demo.user("admin"))
    db.session.commit()
    with pytest.raises(DomainError):
        review.accept(application, actor=demo.user("reviewer"), password=PASSWORD, today=MON,
                      stream_decision="grant")
    db.session.rollback()


def test_holder_requests_priority_and_reviewer_grants_it_in_the_browser(app, demo):
    hebei_priority(demo)
    draft = new_draft(demo, K.INITIAL, today=MON)
    page = app_path(draft)
    holder = client_for(app, "holder")
    response = submit_form(holder, page, f"{page}/stream",
                           {"stream": "priority", "reason": "儿童专用医疗器械"})
    assert response.status_code == 302
    advance(draft, ("submit",), today=MON)
    reviewer = client_for(app, "reviewer")
    body = text_of(reviewer.get(page))
    assert 'data-testid="stream-request"' in body
    assert "儿童专用医疗器械" in body
    response = submit_form(reviewer, page, f"/review{page}/accept",
                           {"stream_decision": "grant", "signature_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.stream == "priority"
    chinese = text_of(client_for(app, "holder", lang="zh_CN").get(page))
    assert "优先审批" in chinese
    assert "技术审评 45 + 补充资料后 45（工作日）" in chinese


def test_stream_request_form_is_not_offered_where_the_province_runs_none(app, demo):
    draft = new_draft(demo, K.INITIAL, today=MON)
    body = text_of(client_for(app, "holder").get(app_path(draft)))
    assert f"{app_path(draft)}/stream" not in body
    submitted = new_draft(demo, K.INITIAL, today=MON)
    advance(submitted, ("submit",), today=MON)
    body = text_of(client_for(app, "reviewer").get(app_path(submitted)))
    assert 'name="stream_decision"' not in body
