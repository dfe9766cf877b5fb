"""Two-province supervision: notices (信息通报) to each province once per event, supervision
actions recorded by one province and seen by the other, e-signed suspension and lifting, the
province matrix of active cross-regional arrangements."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from devreg.arrangements.models import Notice, SupervisionAction
from devreg.extensions import db
from devreg.signatures.models import Signature
from tests.arrangements.builders import FORM_DATA, A, World, act, count, notices


def _page(client, arrangement) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(client.get(f"/arrangements/{arrangement.id}").get_data(as_text=True))


def _signatures(arrangement) -> list[Signature]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(Signature).where(
        Signature.subject_type == "Arrangement", Signature.subject_id == arrangement.id)
        .order_by(Signature.id)))


# --- notices ------------------------------------------------------------------------------------

def test_confirm_suspend_lift_end_each_notify_both_provinces_once(world: World) -> None:
    device, _certificate = world.registered(production_address=world.js_site.address)
    arrangement = world.propose(device, world.js_site)
    aid = arrangement.id
    maker, js = (world.client(e) for e in ("manufacturer", "reviewer.js"))
    steps = [(maker, "confirm", "confirmed"), (js, "suspend", "suspended"),
             (js, "lift", "lifted"), (maker, "end", "ended")]
    expected: list[tuple[str, int, str]] = []
    for client, action, kind in steps:
        before = count(Notice)
        response = act(client, arrangement, action, FORM_DATA[action])
        assert response.status_code == 302, (action, response.status_code)
        db.session.refresh(arrangement)
        assert notices(kind) == [("13", aid, kind), ("32", aid, kind)]
        # nothing else was sent, but the Art 68 notice to the holder's province on confirming
        assert count(Notice) == before + 2 + (kind == "confirmed")
        expected += [("13", aid, kind), ("32", aid, kind)]
    assert arrangement.state == A.ENDED.value
    assert sorted(notices()) == sorted([*expected, ("13", aid, "product_added")])

    # each province's queue lists its notices; a third province gets none
    for email in ("reviewer.js", "reviewer"):
        listed = world.client(email).get("/supervision").get_data(as_text=True)
        block = listed.split('data-testid="notices"')[1].split("</ul>")[0]
        # four events, and Hebei's Art 68 notice of the product added in Jiangsu
        assert block.count(f'/arrangements/{aid}"') == (5 if email == "reviewer" else 4)
        for word in ("confirmed", "suspended", "suspension lifted", "ended"):
            assert word in block
    block = world.client("reviewer.bj").get("/supervision").get_data(as_text=True).split(
        'data-testid="notices"')[1].split("</ul>")[0]
    assert f"/arrangements/{aid}" not in block

    # the timeline shows who did what
    timeline = _page(world.client("holder"), arrangement).split('data-testid="timeline"')[1]
    timeline = timeline.split("</ol>")[0]
    for title in ("Proposed", "Confirmed", "Active", "Suspended", "Suspension lifted", "Ended"):
        assert title in timeline
    assert "manufacturer@demo.devreg" in timeline
    assert "reviewer.js@demo.devreg" in timeline


@pytest.mark.parametrize("single", ["same_province", "self_manufacture"])
def test_a_single_province_arrangement_gets_one_notice_per_event(world: World,
                                                                 single: str) -> None:
    if single == "same_province":  # Hebei holder, Hebei manufacturer
        site, holder, province = world.hb_site, "holder", "13"
    else:  # the Beijing holder's own site
        site, holder, province = world.bj_site, "holder.bj", "11"
    arrangement = world.arrangement_in(A.SUSPENDED, site=site, holder=holder)
    aid = arrangement.id
    assert notices() == [(province, aid, "confirmed"), (province, aid, "suspended")]
    reviewer = world.client("approver" if province == "13" else "approver.bj")
    assert act(reviewer, arrangement, "lift", FORM_DATA["lift"]).status_code == 302
    db.session.refresh(arrangement)
    assert act(world.client(holder), arrangement, "end", FORM_DATA["end"]).status_code == 302
    assert notices() == [(province, aid, "confirmed"), (province, aid, "suspended"),
                         (province, aid, "lifted"), (province, aid, "ended")]


def test_decline_and_withdraw_are_between_the_companies(world: World) -> None:
    declined = world.arrangement_in(A.DECLINED)
    withdrawn = world.arrangement_in(A.WITHDRAWN)
    assert declined.decline_reason == "产能不足"
    assert withdrawn.state == A.WITHDRAWN.value
    assert notices() == []


# --- supervision actions -----------------------------------------------------------------------

def test_supervision_actions_of_one_province_are_seen_by_the_other(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    js, hb = world.client("reviewer.js"), world.client("approver")
    response = act(js, arrangement, "supervision", {
        "kind": "inspection", "action_date": "2026-11-20", "result": "deficiencies",
        "findings": "批生产记录不完整，灭菌确认未覆盖新包装"})
    assert response.status_code == 302
    response = act(hb, arrangement, "supervision", {
        "kind": "rectification", "action_date": "2026-11-22", "result": "satisfactory",
        "findings": "请注册人于 30 日内完成对受托方的审核"})
    assert response.status_code == 302
    actions = list(db.session.scalars(select(SupervisionAction).order_by(SupervisionAction.id)))
    assert [(a.province_code, a.kind, a.result) for a in actions] == [
        ("32", "inspection", "deficiencies"), ("13", "rectification", None)]
    assert notices("supervision") == [("13", arrangement.id, "supervision"),
                                      ("13", arrangement.id, "supervision"),
                                      ("32", arrangement.id, "supervision"),
                                      ("32", arrangement.id, "supervision")]
    for client in (hb, js, world.client("holder"), world.client("manufacturer")):
        page = _page(client, arrangement)
        recorded = page.split('data-testid="supervision-action"')[1:]
        assert len(recorded) == 2
        assert "Inspection" in recorded[0]
        assert "Jiangsu" in recorded[0]
        assert "Deficiencies" in recorded[0]
        assert "灭菌确认未覆盖新包装" in recorded[0]
        assert "Request for rectification" in recorded[1]
        assert "Hebei" in recorded[1]
        assert "30 日内完成对受托方的审核" in recorded[1]


def test_inspection_needs_its_result_and_companies_cannot_record(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    js = world.client("reviewer.js")
    response = act(js, arrangement, "supervision", {
        "kind": "inspection", "action_date": "2026-11-20", "result": "", "findings": "x"})
    assert response.status_code == 422
    assert "Choose the inspection result" in response.get_data(as_text=True)
    for email in ("holder", "manufacturer"):
        response = act(world.client(email), arrangement, "supervision", FORM_DATA["supervision"])
        assert response.status_code == 403
    assert act(world.client("reviewer.bj"), arrangement, "supervision",
               FORM_DATA["supervision"]).status_code == 404
    assert count(SupervisionAction) == 0
    assert notices("supervision") == []


def test_suspension_and_lifting_are_signed_and_recorded_as_supervision(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    js, hb = world.client("reviewer.js"), world.client("approver")
    confirmation = _signatures(arrangement)
    assert [s.meaning for s in confirmation] == ["confirmed"]

    # a wrong password suspends nothing
    before = (count(Notice), count(SupervisionAction))
    response = act(js, arrangement, "suspend", {**FORM_DATA["suspend"],
                                                "signature_password": "wrong"})
    assert response.status_code == 422
    assert "password is not correct" in response.get_data(as_text=True)
    db.session.refresh(arrangement)
    assert arrangement.state == A.ACTIVE.value
    assert arrangement.suspension_reason is None
    assert (count(Notice), count(SupervisionAction)) == before
    assert len(_signatures(arrangement)) == 1

    assert act(js, arrangement, "suspend", FORM_DATA["suspend"]).status_code == 302
    db.session.refresh(arrangement)
    assert arrangement.state == A.SUSPENDED.value
    assert arrangement.suspension_reason == FORM_DATA["suspend"]["reason"]
    signed = _signatures(arrangement)[-1]
    assert (signed.meaning, signed.signer_id) == ("decided", world.user("reviewer.js").id)

    # the suspension concerns the factory: the holder's province may not lift it, even with
    # the approve duty (Order 53 Art 56); nothing changes
    before = (count(Notice), count(SupervisionAction), len(_signatures(arrangement)))
    response = act(hb, arrangement, "lift", FORM_DATA["lift"])
    assert response.status_code == 422
    assert "Only a reviewer with the approve duty of Jiangsu may order this" in (
        html.unescape(response.get_data(as_text=True)))
    db.session.refresh(arrangement)
    assert arrangement.state == A.SUSPENDED.value
    assert (count(Notice), count(SupervisionAction), len(_signatures(arrangement))) == before

    # the site's province lifts it, also signed; a wrong password first changes nothing
    response = act(js, arrangement, "lift", {**FORM_DATA["lift"], "signature_password": "x"})
    assert response.status_code == 422
    db.session.refresh(arrangement)
    assert arrangement.state == A.SUSPENDED.value
    assert act(js, arrangement, "lift", FORM_DATA["lift"]).status_code == 302
    db.session.refresh(arrangement)
    assert arrangement.state == A.ACTIVE.value
    assert arrangement.suspension_reason is None
    signed = _signatures(arrangement)[-1]
    assert (signed.meaning, signed.signer_id) == ("decided", world.user("reviewer.js").id)
    assert len(_signatures(arrangement)) == 3

    actions = list(db.session.scalars(select(SupervisionAction).order_by(SupervisionAction.id)))
    assert [(a.kind, a.province_code, a.part, a.findings) for a in actions] == [
        ("suspension", "32", "manufacturer", FORM_DATA["suspend"]["reason"]),
        ("lift", "32", "manufacturer", FORM_DATA["lift"]["reason"])]
    page = _page(hb, arrangement)
    assert page.count('data-testid="supervision-action"') == 2
    assert "Suspension" in page
    assert FORM_DATA["suspend"]["reason"] in page


# --- the province matrix -------------------------------------------------------------------------

def _matrix(client) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    page = html.unescape(client.get("/supervision").get_data(as_text=True))
    if 'data-testid="matrix"' not in page:
        return {}
    table = page.split('data-testid="matrix"')[1].split("</table>")[0]
    head, body = table.split("</thead>")
    columns = re.findall(r"<th>([^<]*)</th>", head)[1:]
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        name = re.search(r"<th>([^<]*)</th>", row).group(1)
        values = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        assert len(values) == len(columns)
        for column, value in zip(columns, values, strict=True):
            cells[(name, column)] = value.strip()
    return cells


def test_matrix_counts_active_cross_regional_arrangements_by_province(world: World) -> None:
    assert _matrix(world.client("reviewer.js")) == {}
    assert "No active cross-regional arrangements" in world.client("reviewer.js").get(
        "/supervision").get_data(as_text=True)
    world.arrangement_in(A.ACTIVE)  # Hebei -> Jiangsu
    world.arrangement_in(A.ACTIVE)  # Hebei -> Jiangsu
    world.arrangement_in(A.ACTIVE, holder="holder.bj")  # Beijing -> Jiangsu
    # none of these counts: not active, or not cross-regional
    world.arrangement_in(A.CONFIRMED)
    world.arrangement_in(A.SUSPENDED)
    world.arrangement_in(A.ENDED)
    world.arrangement_in(A.PROPOSED)
    world.arrangement_in(A.ACTIVE, site=world.hb_site)  # Hebei -> Hebei
    world.arrangement_in(A.ACTIVE, site=world.bj_site, holder="holder.bj")  # self-manufacture

    expected = {("Hebei", "Jiangsu"): "2", ("Beijing", "Jiangsu"): "1"}
    for email in ("reviewer.js", "reviewer"):
        cells = _matrix(world.client(email))
        assert {k: v for k, v in cells.items() if v} == expected, cells
        assert set(cells) == set(expected)  # one column (Jiangsu), two rows
