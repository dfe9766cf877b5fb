"""Ending: either party ends with an end date and a reason; the sweep flags every live
arrangement whose licence has expired, once, telling both provinces; a registered device with
no active production site is flagged on its certificate."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from devreg.arrangements import services as svc
from devreg.arrangements.models import Arrangement
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.production.services import LicenceData, update_licence
from devreg.review.sweep import run_sweep
from tests.arrangements.builders import A, World, act, notices


def _expire(licence, days: int = -1) -> None:  # type: ignore[no-untyped-def]
    """Record the licence as valid until ``days`` from today (yesterday by default)."""
    update_licence(licence, LicenceData(number=licence.number,
                                        organisation_id=licence.organisation_id,
                                        valid_until=china_today() + timedelta(days=days),
                                        scope_codes=tuple(licence.scope_codes)))
    db.session.commit()


# --- ending by the parties ------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["holder", "manufacturer"])
def test_either_party_ends_with_an_end_date_and_a_reason(world: World, email: str) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    client = world.client(email)
    end_date = (china_today() + timedelta(days=30)).isoformat()
    response = act(client, arrangement, "end", {"end_date": end_date, "reason": "产品停产"})
    assert response.status_code == 302
    db.session.refresh(arrangement)
    assert arrangement.state == A.ENDED.value
    assert arrangement.end_date.isoformat() == end_date
    assert arrangement.end_reason == "产品停产"
    page = html.unescape(client.get(f"/arrangements/{arrangement.id}").get_data(as_text=True))
    assert end_date in page
    assert "产品停产" in page
    # once ended, nothing more can be done with it
    assert f'/arrangements/{arrangement.id}/end"' not in page


def test_end_date_before_the_planned_start_is_refused(world: World) -> None:
    device = world.device_in_application()
    start = china_today() + timedelta(days=60)
    arrangement = world.propose(device, world.js_site, planned_start=start)
    world.confirm(arrangement)
    version = arrangement.version
    day_before = (start - timedelta(days=1)).isoformat()
    response = act(world.client("holder"), arrangement, "end",
                   {"end_date": day_before, "reason": "提前终止"})
    assert response.status_code == 422
    assert "end date cannot be before the planned start" in response.get_data(as_text=True)
    # a missing reason or date is refused by the form
    for data in ({"end_date": start.isoformat(), "reason": ""}, {"reason": "提前终止"}):
        assert act(world.client("manufacturer"), arrangement, "end", data).status_code == 400
    db.session.refresh(arrangement)
    assert (arrangement.state, arrangement.version, arrangement.end_date) == (
        A.CONFIRMED.value, version, None)
    assert notices("ended") == []
    with pytest.raises(DomainError, match="before the planned start"):
        svc.end(arrangement, actor=world.user("holder"), end_date=start - timedelta(days=1),
                reason="提前终止")
    db.session.rollback()
    with pytest.raises(DomainError, match="reason for ending"):
        svc.end(arrangement, actor=world.user("holder"), end_date=start, reason="")
    db.session.rollback()
    # the planned start itself is fine
    svc.end(arrangement, actor=world.user("holder"), end_date=start, reason="提前终止")
    db.session.commit()
    assert arrangement.state == A.ENDED.value


# --- the sweep ------------------------------------------------------------------------

def test_sweep_flags_every_live_arrangement_of_an_expired_licence_once(world: World) -> None:
    live = {state: world.arrangement_in(state)
            for state in (A.PROPOSED, A.CONFIRMED, A.ACTIVE, A.SUSPENDED)}
    closed = [world.arrangement_in(state) for state in (A.ENDED, A.DECLINED, A.WITHDRAWN)]
    elsewhere = world.arrangement_in(A.ACTIVE, site=world.hb_site)  # another licence
    self_made = world.arrangement_in(A.ACTIVE, site=world.bj_site, holder="holder.bj")
    before = notices()

    # nothing has expired yet: the sweep flags nothing
    assert run_sweep(china_today()).flagged_arrangements == []
    db.session.commit()

    _expire(world.js_licence)
    result = run_sweep(china_today())
    db.session.commit()
    flagged_ids = sorted(a.id for a in live.values())
    assert sorted(result.flagged_arrangements) == flagged_ids
    for arrangement in db.session.scalars(select(Arrangement)):
        expected = "licence_expired" if arrangement.id in flagged_ids else None
        assert arrangement.flag == expected, (arrangement.id, arrangement.state)
    # both provinces are told, once per arrangement
    assert sorted(notices("licence_expired")) == sorted(
        (province, aid, "licence_expired") for aid in flagged_ids for province in ("13", "32"))

    # running it again adds nothing
    again = run_sweep(china_today())
    db.session.commit()
    assert again.flagged_arrangements == []
    assert len(notices("licence_expired")) == 2 * len(flagged_ids)
    assert len(notices()) == len(before) + 2 * len(flagged_ids)

    # the flag shows on the page and in the queues
    page = world.client("reviewer.js").get(f"/arrangements/{live[A.ACTIVE].id}").get_data(
        as_text=True)
    assert "Licence expired" in page
    queue = world.client("reviewer").get("/supervision").get_data(as_text=True)
    assert queue.count("Licence expired") >= len(flagged_ids)
    assert all(a.flag is None for a in closed)
    assert elsewhere.flag is None
    assert self_made.flag is None


def test_sweep_notices_a_single_province_arrangement_once(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE, site=world.bj_site, holder="holder.bj")
    _expire(world.bj_licence)
    assert run_sweep(china_today()).flagged_arrangements == [arrangement.id]
    db.session.commit()
    assert notices("licence_expired") == [("11", arrangement.id, "licence_expired")]


def test_sweep_takes_the_licence_last_valid_day_as_valid(world: World) -> None:
    arrangement = world.arrangement_in(A.ACTIVE)
    _expire(world.js_licence, days=10)
    last_day = china_today() + timedelta(days=10)
    assert run_sweep(last_day).flagged_arrangements == []
    assert run_sweep(last_day + timedelta(days=1)).flagged_arrangements == [arrangement.id]


# --- no active production site --------------------------------------------------------------------

def test_a_registered_device_without_an_active_site_is_flagged_on_its_certificate(
        world: World) -> None:
    device, certificate = world.registered(production_address=world.js_site.address)
    holder = world.client("holder")
    path = f"/certificates/{certificate.id}"

    def flagged() -> bool:
        return 'data-testid="no-active-site"' in holder.get(path).get_data(as_text=True)

    assert flagged()  # registered, but no arrangement at all
    arrangement = world.propose(device, world.js_site)
    assert flagged()  # proposed is not producing
    world.confirm(arrangement)  # the address is already on the certificate: active at once
    assert arrangement.state == A.ACTIVE.value
    assert not flagged()
    world.suspend(arrangement)
    assert flagged()
    svc.lift(arrangement, actor=world.user("reviewer.js"), password="devreg-demo",
             reason="整改完成", today=china_today())
    db.session.commit()
    assert not flagged()
    svc.end(arrangement, actor=world.user("manufacturer"), end_date=china_today(),
            reason="合同终止")
    db.session.commit()
    assert flagged()
    # the certificate still lists the ended site, as a past production site
    page = html.unescape(holder.get(path).get_data(as_text=True))
    sites = page.split('data-testid="production-sites"')[1].split("</table>")[0]
    assert world.js_site.address in sites
    assert "Ended" in sites
