"""Duties in supervision (issue 10 item 5): orders need the approve duty of the province whose
part they concern (Order 53 Art 56); joint and delegated inspections are recorded with both
provinces (Art 57); the 10-working-day feedback after a delegated inspection or a disposition
is a clock of the acting province (2022 cross-region opinion); the provinces are derived from
the current records."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from devreg.arrangements import services as svc
from devreg.arrangements.models import Arrangement, Notice, SupervisionAction
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.workdays.queries import calendar_for
from tests.arrangements.builders import FORM_DATA, A, World, act, count, notices
from tests.conftest import post


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_a_suspension_by_a_reviewer_without_the_approve_duty_is_refused(world: World) -> None:
    """Why: any reviewer of either province could suspend, with no duty check."""
    arrangement = world.arrangement_in(A.ACTIVE)
    version = arrangement.version
    response = act(world.client("reviewer"), arrangement, "suspend", FORM_DATA["suspend"])
    assert response.status_code == 403
    db.session.refresh(arrangement)
    assert (arrangement.state, arrangement.version) == (A.ACTIVE.value, version)
    assert count(SupervisionAction) == 0
    # the page offers the inspection form, not the order
    page = world.client("reviewer").get(f"/arrangements/{arrangement.id}").get_data(as_text=True)
    assert f'action="/arrangements/{arrangement.id}/supervision"' in page
    assert f'action="/arrangements/{arrangement.id}/suspend"' not in page


def test_an_order_on_the_other_provinces_part_is_refused_in_both_languages(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    approver = world.client("approver")  # Hebei: the holder's province
    response = act(approver, arrangement, "suspend", {**FORM_DATA["suspend"],
                                                      "part": "manufacturer"})
    assert response.status_code == 422
    assert ("Only a reviewer with the approve duty of Jiangsu may order this: it concerns the "
            "manufacturer's factory") in _text(response)
    assert 'selected value="manufacturer"' in response.get_data(as_text=True)  # kept
    post(approver, "/locale/zh_CN")
    response = act(approver, arrangement, "suspend", {**FORM_DATA["suspend"],
                                                      "part": "manufacturer"})
    assert response.status_code == 422
    assert "江苏" in _text(response) and "批准职责" in _text(response)
    db.session.refresh(arrangement)
    assert arrangement.state == A.ACTIVE.value
    # on the holder's part the holder's province orders it
    response = act(approver, arrangement, "suspend", {**FORM_DATA["suspend"], "part": "holder",
                                                      "version": str(arrangement.version)})
    assert response.status_code == 302
    db.session.refresh(arrangement)
    assert (arrangement.state, arrangement.suspension_part) == (A.SUSPENDED.value, "holder")
    # ... and only it lifts it: the factory's province may not
    with_js = act(world.client("reviewer.js"), arrangement, "lift", FORM_DATA["lift"])
    assert with_js.status_code == 422
    assert act(world.client("approver"), arrangement, "lift",
               FORM_DATA["lift"]).status_code == 302


def test_a_rectification_order_needs_the_duty_an_inspection_does_not(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    reviewer = world.client("reviewer")  # Hebei, accept and review duties
    response = act(reviewer, arrangement, "supervision", {
        "kind": "rectification", "action_date": "2026-11-22", "findings": "限期整改"})
    assert response.status_code == 422
    assert "Only a reviewer with the approve duty of Hebei" in _text(response)
    assert count(SupervisionAction) == 0
    response = act(reviewer, arrangement, "supervision", FORM_DATA["supervision"])
    assert response.status_code == 302
    assert count(SupervisionAction) == 1


def test_a_delegated_inspection_is_recorded_with_both_provinces_and_starts_the_feedback_clock(
        world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)  # Hebei holder, Jiangsu site
    js = world.client("reviewer.js")
    response = act(js, arrangement, "supervision", {
        **FORM_DATA["supervision"], "mode": "delegated", "action_date": "2026-11-20"})
    assert response.status_code == 302
    action = db.session.scalar(select(SupervisionAction))
    assert (action.province_code, action.partner_province_code, action.mode) == (
        "32", "13", "delegated")
    from datetime import date

    assert action.feedback_due == calendar_for("32").add_working_days(date(2026, 11, 20), 10).due
    assert action.feedback_due == date(2026, 12, 4)
    # the acting province owes it; the holder's province awaits it
    owed = _text(js.get("/supervision")).split('data-testid="feedback-owed"')[1]
    assert "We owe Hebei feedback by 2026-12-04" in owed.split("</ul>")[0]
    awaited = _text(world.client("reviewer").get("/supervision"))
    assert "Awaiting feedback from Jiangsu by 2026-12-04" in awaited
    page = _text(js.get(f"/arrangements/{arrangement.id}"))
    assert "Delegated inspection: Jiangsu + Hebei" in page
    # the Hebei reviewer cannot record Jiangsu's feedback; Jiangsu does, and Hebei is told
    path = f"/supervision/actions/{action.id}/feedback"
    post(world.client("reviewer"), path, {}, token_from="/home")
    db.session.refresh(action)
    assert action.feedback_on is None
    assert post(js, path, {}, token_from="/home").status_code == 302
    db.session.refresh(action)
    assert action.feedback_on == china_today()
    assert notices("feedback") == [("13", arrangement.id, "feedback")]


def test_a_joint_inspection_names_both_provinces_and_needs_two(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    assert act(world.client("reviewer"), arrangement, "supervision", {
        **FORM_DATA["supervision"], "mode": "joint"}).status_code == 302
    action = db.session.scalar(select(SupervisionAction))
    assert (action.province_code, action.partner_province_code, action.feedback_due) == (
        "13", "32", None)
    single = world.arrangement_in(A.ACTIVE, site=world.hb_site)  # Hebei holder, Hebei site
    response = act(world.client("reviewer"), single, "supervision", {
        **FORM_DATA["supervision"], "mode": "joint"})
    assert response.status_code == 422
    assert "cross-province arrangement" in _text(response)


def test_a_disposition_by_the_factorys_province_owes_the_holders_province_feedback(
        world: World) -> None:
    arrangement = world.arrangement_in(A.SUSPENDED)  # suspended by Jiangsu, the site's province
    action = db.session.scalar(select(SupervisionAction).where(
        SupervisionAction.kind == "suspension"))
    assert (action.province_code, action.partner_province_code) == ("32", "13")
    assert action.feedback_due == calendar_for("32").add_working_days(action.action_date,
                                                                      10).due
    with pytest.raises(DomainError, match="Only the province that acted"):
        svc.record_feedback(action, actor=world.user("approver"), on=china_today())
    db.session.rollback()
    svc.record_feedback(action, actor=world.user("reviewer.js"), on=china_today())
    db.session.commit()
    assert notices("feedback") == [("13", arrangement.id, "feedback")]


def test_provinces_follow_the_current_records_not_a_copy(world: World) -> None:
    """Why: provinces were copied at proposal time and went stale when a holder moved."""
    arrangement = world.arrangement_in(A.ACTIVE)
    assert (arrangement.holder_province_code, arrangement.site_province_code) == ("13", "32")
    holder = arrangement.holder
    holder.province_code = "11"  # the holder moves to Beijing
    db.session.commit()
    db.session.expire_all()
    moved = db.session.get(Arrangement, arrangement.id)
    assert (moved.holder_province_code, moved.site_province_code) == ("11", "32")
    # supervision follows: Beijing's reviewer now sees it, Hebei's no longer
    assert world.client("reviewer.bj").get(f"/arrangements/{moved.id}").status_code == 200
    assert world.client("reviewer").get(f"/arrangements/{moved.id}").status_code == 404
    # and notices go to the current provinces
    before = count(Notice)
    assert act(world.client("reviewer.js"), moved, "supervision",
               FORM_DATA["supervision"]).status_code == 302
    assert count(Notice) == before + 2
    assert notices("supervision") == [("11", moved.id, "supervision"),
                                      ("32", moved.id, "supervision")]
