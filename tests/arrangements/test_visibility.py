"""Who sees what: both provinces see a cross-regional arrangement, its device's certificate,
the licence and the quality agreement, and nothing else of the other side; arrangements
between two other provinces stay invisible (404); manufacturers see only their own."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from devreg.arrangements.models import Arrangement
from devreg.certificates.models import Certificate
from devreg.extensions import db
from devreg.registrations.models import Application
from tests.arrangements.builders import HB_MAKER_EMAIL, A, World
from tests.registrations.helpers import PDF


@dataclass
class Scene:
    hebei_jiangsu: Arrangement  # the Hebei holder's device made in Jiangsu (confirmed)
    hebei_cert: Certificate  # its certificate
    other_cert: Certificate  # another certificate of the Hebei holder, no Jiangsu link
    hebei_apps: list[Application]  # the Hebei holder's applications (incl. the change filing)
    beijing_hebei: Arrangement  # the Beijing holder's device made by the Hebei manufacturer
    beijing_cert: Certificate


@pytest.fixture
def scene(world: World) -> Scene:
    device, certificate = world.registered(name="电子血压计")
    hebei_jiangsu = world.propose(device, world.js_site)
    world.confirm(hebei_jiangsu)  # starts a (draft) change filing
    _other_device, other_cert = world.registered(name="医用雾化器")
    in_application = world.device_in_application(name="红外体温计")
    bj_device, bj_cert = world.registered(holder="holder.bj", name="心电图机")
    beijing_hebei = world.propose(bj_device, world.hb_site)
    hebei_org = world.demo.org("holder_hebei").id
    apps = list(db.session.scalars(select(Application).where(
        Application.holder_org_id == hebei_org)))
    assert len(apps) == 4  # three initial applications and the change filing
    assert hebei_jiangsu.change_filing_id in [a.id for a in apps]
    assert world.initial_application(in_application).state == "submitted"
    return Scene(hebei_jiangsu, certificate, other_cert, apps, beijing_hebei, bj_cert)


def _status(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with client.get(path) as response:  # closes a downloaded file
        return response.status_code


def _links(client, path: str) -> set[int]:  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    return {int(n) for n in re.findall(r'href="/arrangements/(\d+)"', page)}


def test_the_jiangsu_reviewer_sees_the_hebei_holders_arrangement_and_nothing_else(
        world: World, scene: Scene) -> None:
    js = world.client("reviewer.js")
    arrangement = scene.hebei_jiangsu
    path = f"/arrangements/{arrangement.id}"
    assert _status(js, path) == 200
    assert arrangement.id in _links(js, "/supervision")
    assert arrangement.id in _links(js, "/arrangements")
    # the device's certificate, the licence and the quality agreement
    assert _status(js, f"/certificates/{scene.hebei_cert.id}") == 200
    assert _status(js, f"/production/licences/{world.js_licence.id}") == 200
    with js.get(path + "/agreement") as response:
        assert response.status_code == 200
        assert response.data == PDF
    # nothing else of the Hebei holder: no application (not even the linked change filing),
    # no certificate without a Jiangsu link
    for application in scene.hebei_apps:
        assert _status(js, f"/applications/{application.id}") == 404, application.kind
    assert _status(js, f"/certificates/{scene.other_cert.id}") == 404
    listed = js.get("/certificates").get_data(as_text=True)
    assert scene.hebei_cert.number in listed
    assert scene.other_cert.number not in listed


def test_the_hebei_reviewer_sees_the_jiangsu_licence_of_its_holders_arrangement(
        world: World, scene: Scene) -> None:
    hb = world.client("reviewer")
    assert _status(hb, f"/arrangements/{scene.hebei_jiangsu.id}") == 200
    assert _status(hb, f"/production/licences/{world.js_licence.id}") == 200
    assert _status(hb, f"/arrangements/{scene.hebei_jiangsu.id}/agreement") == 200
    # a licence no arrangement of Hebei uses stays invisible
    assert _status(hb, f"/production/licences/{world.bj_licence.id}") == 404


def test_an_arrangement_between_two_other_provinces_is_invisible(
        world: World, scene: Scene) -> None:
    other = scene.beijing_hebei  # Beijing holder, Hebei site: Jiangsu has no part in it
    assert (other.holder_province_code, other.site_province_code) == ("11", "13")
    path = f"/arrangements/{other.id}"
    js = world.client("reviewer.js")
    assert _status(js, path) == 404
    assert _status(js, path + "/agreement") == 404
    assert other.id not in _links(js, "/supervision")
    assert other.id not in _links(js, "/arrangements")
    assert _status(js, f"/certificates/{scene.beijing_cert.id}") == 404
    assert _status(js, f"/production/licences/{world.hb_licence.id}") == 404
    # both provinces that are part of it see it
    for email in ("reviewer", "reviewer.bj"):
        client = world.client(email)
        assert _status(client, path) == 200
        assert other.id in _links(client, "/supervision")
    # and the Beijing reviewer sees nothing of the Hebei-Jiangsu arrangement
    bj = world.client("reviewer.bj")
    assert _status(bj, f"/arrangements/{scene.hebei_jiangsu.id}") == 404
    assert scene.hebei_jiangsu.id not in _links(bj, "/supervision")


def test_a_manufacturer_sees_only_its_own_arrangements(world: World, scene: Scene) -> None:
    js_maker, hb_maker = world.client("manufacturer"), world.client(HB_MAKER_EMAIL)
    mine, theirs = scene.hebei_jiangsu, scene.beijing_hebei
    assert _status(js_maker, f"/arrangements/{mine.id}") == 200
    assert _status(js_maker, f"/arrangements/{mine.id}/agreement") == 200
    assert _status(js_maker, f"/certificates/{scene.hebei_cert.id}") == 200
    assert _status(js_maker, f"/arrangements/{theirs.id}") == 404
    assert _status(js_maker, f"/arrangements/{theirs.id}/agreement") == 404
    assert _links(js_maker, "/arrangements") == {mine.id}
    assert _status(js_maker, f"/certificates/{scene.beijing_cert.id}") == 404
    assert _status(js_maker, f"/certificates/{scene.other_cert.id}") == 404
    for application in scene.hebei_apps:
        assert _status(js_maker, f"/applications/{application.id}") == 404

    assert _status(hb_maker, f"/arrangements/{theirs.id}") == 200
    assert _status(hb_maker, f"/arrangements/{mine.id}") == 404
    assert _status(hb_maker, f"/arrangements/{mine.id}/agreement") == 404
    assert _links(hb_maker, "/arrangements") == {theirs.id}
    assert _status(hb_maker, f"/certificates/{scene.hebei_cert.id}") == 404
    assert _status(hb_maker, f"/production/licences/{world.js_licence.id}") == 404


def test_a_holder_not_party_sees_nothing_of_it(world: World, scene: Scene) -> None:
    beijing = world.client("holder.bj")
    assert _status(beijing, f"/arrangements/{scene.hebei_jiangsu.id}") == 404
    assert _status(beijing, f"/arrangements/{scene.hebei_jiangsu.id}/agreement") == 404
    assert _status(beijing, f"/certificates/{scene.hebei_cert.id}") == 404
    hebei = world.client("holder")
    assert _status(hebei, f"/arrangements/{scene.beijing_hebei.id}") == 404
    assert _status(hebei, f"/arrangements/{scene.beijing_hebei.id}/agreement") == 404
    assert _links(hebei, "/arrangements") == {scene.hebei_jiangsu.id}


def test_the_agreement_is_served_as_an_attachment(world: World, scene: Scene) -> None:
    for email in ("holder", "manufacturer", "reviewer", "reviewer.js"):
        client = world.client(email)
        with client.get(f"/arrangements/{scene.hebei_jiangsu.id}/agreement") as response:
            assert response.status_code == 200
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment")
            assert "%E8%B4%A8%E9%87%8F%E5%8D%8F%E8%AE%AE.pdf" in disposition  # 质量协议.pdf
            assert response.mimetype == "application/pdf"
            assert response.data == PDF


def test_signed_out_and_admin_see_no_arrangement(world: World, scene: Scene) -> None:
    path = f"/arrangements/{scene.hebei_jiangsu.id}"
    anonymous = world.client()
    assert anonymous.get(path).status_code == 302  # to the sign-in page
    assert _status(anonymous, path + "/agreement") == 302
    # the administrator manages licences, not arrangements
    assert _status(world.client("admin"), path) == 404


def test_supervision_page_is_for_reviewers_only(world: World, scene: Scene) -> None:
    for email in ("holder", "manufacturer", "admin"):
        assert _status(world.client(email), "/supervision") == 403
    assert _status(world.client("reviewer.js"), "/supervision") == 200


# --- only live relations open the other party's records (docs/rules.md, "Accounts, sign-in and
# visibility"): a withdrawn or declined proposal never became a relation, an ended one is over

@pytest.mark.parametrize("state", [A.WITHDRAWN, A.DECLINED, A.ENDED])
def test_a_dead_arrangement_opens_no_licence_page(world: World, state: A) -> None:
    from devreg.production.services import request_scope_change

    arrangement = world.arrangement_in(state)  # Hebei holder, Jiangsu site
    request_scope_change(world.js_licence, actor=world.user("manufacturer"), codes=["09"],
                         new_site_address=None, reason="新增理疗仪生产")
    db.session.commit()
    licence = f"/production/licences/{world.js_licence.id}"
    for email in ("holder", "reviewer", "approver"):  # the holder's side, Hebei
        client = world.client(email)
        assert _status(client, licence) == 404, (email, state)
        assert world.js_licence.number not in client.get(
            "/production/licences").get_data(as_text=True)
        # the arrangement itself stays the parties' and supervisors' record
        assert _status(client, f"/arrangements/{arrangement.id}") == 200
    # the licence's own side is unaffected
    for email in ("manufacturer", "reviewer.js"):
        assert _status(world.client(email), licence) == 200


@pytest.mark.parametrize("state", [A.PROPOSED, A.CONFIRMED, A.ACTIVE, A.SUSPENDED])
def test_a_live_arrangement_opens_the_licence_but_not_its_scope_requests(
        world: World, state: A) -> None:
    from devreg.production.services import request_scope_change

    world.arrangement_in(state)
    request_scope_change(world.js_licence, actor=world.user("manufacturer"), codes=["09"],
                         new_site_address=None, reason="新增理疗仪生产")
    db.session.commit()
    licence = f"/production/licences/{world.js_licence.id}"
    for email in ("holder", "reviewer"):
        page = world.client(email).get(licence)
        assert page.status_code == 200, (email, state)
        # the manufacturer's requests to its regulator are not the holder's business
        assert 'data-testid="scope-request"' not in page.get_data(as_text=True)
        assert "新增理疗仪生产" not in page.get_data(as_text=True)
    for email in ("manufacturer", "reviewer.js"):
        page = world.client(email).get(licence).get_data(as_text=True)
        assert "新增理疗仪生产" in page


def test_a_withdrawn_or_declined_proposal_opens_no_certificate(world: World) -> None:
    from devreg.arrangements import services as arrangements

    withdrawn_device, withdrawn_cert = world.registered(name="医用雾化器")
    arrangements.withdraw(world.propose(withdrawn_device, world.js_site),
                          actor=world.user("holder"))
    declined_device, declined_cert = world.registered(name="红外体温计")
    arrangements.decline(world.propose(declined_device, world.js_site),
                         actor=world.user("manufacturer"), reason="产能不足")
    db.session.commit()
    for email in ("manufacturer", "reviewer.js"):
        client = world.client(email)
        for certificate in (withdrawn_cert, declined_cert):
            assert _status(client, f"/certificates/{certificate.id}") == 404, email
            assert certificate.number not in client.get("/certificates").get_data(as_text=True)
    # a live proposal does open it: the manufacturer must see what it is asked to make
    live_device, live_cert = world.registered(name="心电图机")
    world.propose(live_device, world.js_site)
    assert _status(world.client("manufacturer"), f"/certificates/{live_cert.id}") == 200
