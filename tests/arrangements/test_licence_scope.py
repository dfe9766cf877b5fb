"""Confirmation needs the manufacturer's licence valid and covering the device's catalogue code;
a scope change is requested by the manufacturer and decided, e-signed, by a reviewer (with the
approve duty) of the licence's province."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from devreg.arrangements import services as svc
from devreg.arrangements.models import Notice
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.production.models import ScopeChangeRequest
from devreg.production.services import (
    LicenceData,
    add_site,
    decide_scope_change,
    request_scope_change,
    update_licence,
)
from devreg.signatures.models import Signature
from devreg.signatures.services import SignatureRefused
from tests.arrangements.builders import FORM_DATA, HB_MAKER_EMAIL, PASSWORD, A, World, act, count
from tests.conftest import post
from tests.registrations.helpers import make_reviewer


def _expire(world: World, licence) -> None:  # type: ignore[no-untyped-def]
    update_licence(licence, LicenceData(number=licence.number,
                                        organisation_id=licence.organisation_id,
                                        valid_until=china_today() - timedelta(days=1),
                                        scope_codes=tuple(licence.scope_codes)))
    db.session.commit()


def _page(client, arrangement) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(client.get(f"/arrangements/{arrangement.id}").get_data(as_text=True))


def _arrangement_signatures(arrangement) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(db.func.count()).select_from(Signature).where(
        Signature.subject_type == "Arrangement", Signature.subject_id == arrangement.id))


# --- expired licence -------------------------------------------------------------------------

def test_confirmation_refused_while_the_licence_is_expired(world: World) -> None:
    arrangement = world.arrangement_in(A.PROPOSED)  # category 07: in the Jiangsu scope
    _expire(world, world.js_licence)
    maker = world.client("manufacturer")
    page = _page(maker, arrangement)
    assert 'data-testid="licence-problem"' in page
    assert f"The production licence {world.js_licence.number} expired on" in page

    response = act(maker, arrangement, "confirm", FORM_DATA["confirm"])
    assert response.status_code == 422
    assert "expired on" in html.unescape(response.get_data(as_text=True))
    with pytest.raises(DomainError, match="expired"):
        svc.confirm(arrangement, actor=world.user("manufacturer"), password=PASSWORD,
                    today=china_today())
    db.session.rollback()
    db.session.refresh(arrangement)
    assert arrangement.state == A.PROPOSED.value
    assert count(Notice) == 0
    assert _arrangement_signatures(arrangement) == 0
    assert arrangement.change_filing_id is None

    # the day the licence was still valid, the same licence could confirm
    svc.confirm(arrangement, actor=world.user("manufacturer"), password=PASSWORD,
                today=world.js_licence.valid_until)
    assert arrangement.state == A.CONFIRMED.value


# --- licence not covering the device, then the scope change ----------------------------------

def test_confirmation_refused_until_the_scope_change_is_approved(world: World) -> None:
    device = world.device_in_application(category="09", name="理疗仪")  # Jiangsu: 07, 14, 22
    arrangement = world.propose(device, world.js_site)
    licence = world.js_licence
    maker, holder = world.client("manufacturer"), world.client("holder")
    js_reviewer = world.client("reviewer.js")
    button = f"/production/licences/{licence.id}/scope-change?code=09"

    page = _page(maker, arrangement)
    assert 'data-testid="licence-problem"' in page
    assert "does not cover catalogue code 09" in page
    assert button in page  # the manufacturer is offered the scope-change request
    for other in (holder, js_reviewer):  # they see why, but it is not theirs to request
        page = _page(other, arrangement)
        assert "does not cover catalogue code 09" in page
        assert f"/production/licences/{licence.id}/scope-change" not in page

    response = act(maker, arrangement, "confirm", FORM_DATA["confirm"])
    assert response.status_code == 422
    assert "does not cover catalogue code 09" in html.unescape(response.get_data(as_text=True))
    db.session.refresh(arrangement)
    assert arrangement.state == A.PROPOSED.value
    assert count(Notice) == 0

    # the button opens the request form with 09 ticked
    form_page = maker.get(button).get_data(as_text=True)
    ticked = re.findall(r'<input checked[^>]*name="codes"[^>]*value="(\w+)"', form_page)
    assert ticked == ["09"]
    response = post(maker, f"/production/licences/{licence.id}/scope-change",
                    {"codes": ["09"], "reason": "新增理疗仪受托生产"}, token_from=button)
    assert response.status_code == 302
    request = db.session.scalar(select(ScopeChangeRequest))
    assert (request.state, request.added_codes) == ("pending", ["09"])

    # a second pending request is refused
    response = post(maker, f"/production/licences/{licence.id}/scope-change",
                    {"codes": ["06"], "reason": "再次申请"}, token_from=button)
    assert response.status_code == 200
    assert "already pending" in response.get_data(as_text=True)
    assert count(ScopeChangeRequest) == 1

    decide = f"/production/scope-changes/{request.id}/decide"
    approve = {"decision": "approve", "reason": "", "signature_password": PASSWORD}
    # reviewers of another province do not even see the request; the holder neither
    for email in ("approver", "reviewer.bj", "holder"):
        response = post(world.client(email), decide, approve, token_from="/home")
        assert response.status_code == 404, email
    # the manufacturer cannot decide its own request
    assert post(maker, decide, approve, token_from="/home").status_code == 403
    # a Jiangsu reviewer without the approve duty may not decide it
    make_reviewer(world.demo, "reviewer2.js@example.cn", org="reg_jiangsu", duties=("review",))
    assert post(world.client("reviewer2.js@example.cn"), decide, approve,
                token_from="/home").status_code == 403
    # a wrong password decides nothing
    response = post(js_reviewer, decide, {**approve, "signature_password": "wrong-password"},
                    token_from="/home")
    assert response.status_code == 422
    assert "password is not correct" in response.get_data(as_text=True)
    # a rejection needs its reasons
    response = post(js_reviewer, decide, {"decision": "reject", "reason": "",
                                          "signature_password": PASSWORD}, token_from="/home")
    assert response.status_code == 422
    assert "reasons for rejecting" in response.get_data(as_text=True)
    db.session.refresh(request)
    db.session.refresh(licence)
    assert request.state == "pending"
    assert request.decided_by_id is None
    assert "09" not in licence.scope_codes
    assert db.session.scalar(select(Signature).where(
        Signature.subject_type == "ScopeChangeRequest")) is None
    assert act(maker, arrangement, "confirm", FORM_DATA["confirm"]).status_code == 422

    # the Jiangsu reviewer approves, e-signed: the licence now covers 09
    response = post(js_reviewer, decide, approve, token_from="/home")
    assert response.status_code == 302
    db.session.refresh(request)
    db.session.refresh(licence)
    assert request.state == "approved"
    assert request.decided_by_id == world.user("reviewer.js").id
    assert "09" in licence.scope_codes
    signature = db.session.scalar(select(Signature).where(
        Signature.subject_type == "ScopeChangeRequest", Signature.subject_id == request.id))
    assert signature is not None
    assert signature.meaning == "approved"
    # the licence shows its history: the approved request, and the scope change event
    page = html.unescape(maker.get(f"/production/licences/{licence.id}").get_data(as_text=True))
    assert 'data-testid="scope-request"' in page
    assert "Approved" in page

    # now the page shows no problem, and the manufacturer confirms
    assert 'data-testid="licence-problem"' not in _page(maker, arrangement)
    response = act(maker, arrangement, "confirm", FORM_DATA["confirm"])
    assert response.status_code == 302
    db.session.refresh(arrangement)
    assert arrangement.state == A.CONFIRMED.value


def test_scope_change_rules_in_the_services(world: World) -> None:
    licence = world.js_licence
    maker = world.user("manufacturer")
    # another organisation (even a manufacturer) cannot ask for a change of this licence
    for email in ("holder", "holder.bj", HB_MAKER_EMAIL, "reviewer.js"):
        with pytest.raises(Forbidden):
            request_scope_change(licence, actor=world.user(email), codes=["09"],
                                 new_site_address=None, reason="x")
    with pytest.raises(DomainError, match="at least one new subcategory"):
        request_scope_change(licence, actor=maker, codes=["07"],  # already in scope
                             new_site_address=None, reason="x")
    request = request_scope_change(licence, actor=maker, codes=["09"],
                                   new_site_address="江苏省苏州市吴中区 3 号厂房",
                                   reason="新增理疗仪")
    db.session.commit()
    with pytest.raises(DomainError, match="already pending"):
        request_scope_change(licence, actor=maker, codes=["06"], new_site_address=None,
                             reason="x")
    db.session.rollback()

    today = china_today()
    for email in ("manufacturer", "approver", "reviewer.bj", "holder"):
        with pytest.raises(Forbidden):
            decide_scope_change(request, actor=world.user(email), password=PASSWORD,
                                approve=True, reason="", today=today)
        db.session.rollback()
    reviewer = world.user("reviewer.js")
    with pytest.raises(SignatureRefused):
        decide_scope_change(request, actor=reviewer, password="wrong", approve=True,
                            reason="", today=today)
    db.session.rollback()
    with pytest.raises(DomainError, match="reasons for rejecting"):
        decide_scope_change(request, actor=reviewer, password=PASSWORD, approve=False,
                            reason="", today=today)
    db.session.rollback()
    db.session.refresh(request)
    db.session.refresh(licence)
    assert request.state == "pending"
    assert "09" not in licence.scope_codes
    assert len(licence.sites) == 1

    decide_scope_change(request, actor=reviewer, password=PASSWORD, approve=True, reason="",
                        today=today)
    db.session.commit()
    db.session.refresh(licence)
    assert "09" in licence.scope_codes
    assert "江苏省苏州市吴中区 3 号厂房" in [s.address for s in licence.sites]
    with pytest.raises(DomainError, match="already been decided"):
        decide_scope_change(request, actor=reviewer, password=PASSWORD, approve=False,
                            reason="late", today=today)
    db.session.rollback()


def test_rejected_scope_change_leaves_the_licence_and_a_new_request_may_follow(
        world: World) -> None:
    device = world.device_in_application(category="09", name="理疗仪")
    arrangement = world.propose(device, world.js_site)
    licence = world.js_licence
    request = request_scope_change(licence, actor=world.user("manufacturer"), codes=["09"],
                                   new_site_address=None, reason="新增理疗仪")
    decide_scope_change(request, actor=world.user("reviewer.js"), password=PASSWORD,
                        approve=False, reason="洁净车间未验证", today=china_today())
    db.session.commit()
    db.session.refresh(licence)
    assert request.state == "rejected"
    assert request.decision_reason == "洁净车间未验证"
    assert "09" not in licence.scope_codes
    with pytest.raises(DomainError, match="does not cover"):
        svc.confirm(arrangement, actor=world.user("manufacturer"), password=PASSWORD,
                    today=china_today())
    db.session.rollback()
    # nothing pending any more: the manufacturer may ask again
    request_scope_change(licence, actor=world.user("manufacturer"), codes=["09"],
                         new_site_address=None, reason="验证完成后再次申请")
    db.session.commit()
    assert count(ScopeChangeRequest) == 2


def test_approving_a_code_added_meanwhile_does_not_break(world: World) -> None:
    """The administrator recorded the new scope while the request was pending (the licence is
    reissued on paper): approving the request must not add the code twice."""
    licence = world.js_licence
    request = request_scope_change(licence, actor=world.user("manufacturer"), codes=["09"],
                                   new_site_address=None, reason="新增理疗仪")
    db.session.commit()
    update_licence(licence, LicenceData(number=licence.number,
                                        organisation_id=licence.organisation_id,
                                        valid_until=licence.valid_until,
                                        scope_codes=(*licence.scope_codes, "09")))
    db.session.commit()
    decide_scope_change(request, actor=world.user("reviewer.js"), password=PASSWORD,
                        approve=True, reason="", today=china_today())
    db.session.commit()
    db.session.refresh(licence)
    assert licence.scope_codes.count("09") == 1


def test_a_blank_site_address_is_no_scope_change(world: World) -> None:
    """A site field left with spaces is not a new site: nothing to request, and no blank site
    can ever reach the licence."""
    with pytest.raises(DomainError, match="at least one new subcategory or enter a new site"):
        request_scope_change(world.js_licence, actor=world.user("manufacturer"), codes=[],
                             new_site_address="   ", reason="新增厂房")
    db.session.rollback()
    request = request_scope_change(world.js_licence, actor=world.user("manufacturer"),
                                   codes=["09"], new_site_address="  ", reason="新增理疗仪")
    assert request.new_site_address is None
    decide_scope_change(request, actor=world.user("reviewer.js"), password=PASSWORD,
                        approve=True, reason="", today=china_today())
    db.session.commit()
    db.session.refresh(world.js_licence)
    assert [s.address for s in world.js_licence.sites] == [world.js_site.address]


def test_sites_are_added_without_surrounding_spaces(world: World) -> None:
    with pytest.raises(DomainError, match="Enter the production address"):
        add_site(world.js_licence, "   ")
    with pytest.raises(DomainError, match="already on the licence"):
        add_site(world.js_licence, f"  {world.js_site.address} ")
    db.session.rollback()
    site = add_site(world.js_licence, " 江苏省苏州市吴中区 3 号厂房\t")
    assert site.address == "江苏省苏州市吴中区 3 号厂房"
