"""Activation and the certificate: confirming an arrangement for a registered device starts the
change filing with the new production address; filing it makes the arrangement active. A new
production address needs a confirmed arrangement first. A device still in application gets
its arrangement activated when the certificate is issued with that address."""

from __future__ import annotations

import html
import io
from datetime import date

import pytest
from sqlalchemy import select

from devreg.arrangements import services as svc
from devreg.certificates.models import Certificate
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import services as registrations
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application
from tests.arrangements.builders import FORM_DATA, HOME_ADDRESS, PASSWORD, A, World, act, count
from tests.conftest import post
from tests.registrations.helpers import PDF, upload_all

#: the agreements' last day: within the demo licence and any certificate issued now
TERM = date(2030, 12, 31)


def _file_on_web(client, filing: Application) -> None:  # type: ignore[no-untyped-def]
    path = f"/applications/{filing.id}"
    for chapter in filing.checklist:
        if chapter.required:
            response = post(client, path + "/files", {
                "chapter": chapter.code, "file": (io.BytesIO(PDF), f"{chapter.code}.pdf")},
                token_from=path, content_type="multipart/form-data")
            assert response.status_code == 302
    response = post(client, path + "/submit", {"declaration": "y",
                                               "signature_password": PASSWORD},
                    token_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def _change_filings() -> list[Application]:
    return list(db.session.scalars(select(Application).where(
        Application.kind == ApplicationKind.CHANGE_FILING).order_by(Application.id)))


def test_confirmation_starts_the_change_filing_and_filing_it_activates(world: World) -> None:
    device, certificate = world.registered()
    arrangement = world.propose(device, world.js_site)
    holder, maker = world.client("holder"), world.client("manufacturer")
    cert_path = f"/certificates/{certificate.id}"
    # registered, no active production site yet: flagged on the certificate
    assert 'data-testid="no-active-site"' in holder.get(cert_path).get_data(as_text=True)

    assert act(maker, arrangement, "confirm", FORM_DATA["confirm"]).status_code == 302
    db.session.refresh(arrangement)
    assert arrangement.state == A.CONFIRMED.value
    [filing] = _change_filings()
    assert arrangement.change_filing_id == filing.id
    assert (filing.state, filing.certificate_id, filing.device_id) == (
        "draft", certificate.id, device.id)
    assert filing.holder_org_id == arrangement.holder_org_id
    assert filing.changed_items == {
        "production_address": f"{HOME_ADDRESS}\n{world.js_site.address}"}
    assert f"#{arrangement.id}" in filing.change_description
    assert arrangement.manufacturer.name_zh in filing.change_description

    page = holder.get(f"/arrangements/{arrangement.id}").get_data(as_text=True)
    assert (f'href="/applications/{filing.id}" data-testid="change-filing-link"' in page)
    filing_page = html.unescape(holder.get(f"/applications/{filing.id}").get_data(as_text=True))
    assert world.js_site.address in filing_page

    # filing it puts the address on the certificate and makes the arrangement active
    _file_on_web(holder, filing)
    db.session.refresh(arrangement)
    db.session.refresh(certificate)
    assert arrangement.state == A.ACTIVE.value
    assert certificate.production_address.splitlines() == [HOME_ADDRESS, world.js_site.address]
    page = html.unescape(holder.get(cert_path).get_data(as_text=True))
    assert 'data-testid="no-active-site"' not in page
    sites = page.split('data-testid="production-sites"')[1].split("</table>")[0]
    assert world.js_site.address in sites
    assert arrangement.manufacturer.name in sites
    assert "Active" in sites


def test_a_new_production_address_needs_a_confirmed_arrangement(world: World) -> None:
    device, certificate = world.registered()
    proposed = world.propose(device, world.js_site)  # proposed only, not confirmed
    holder = world.client("holder")
    apply_path = f"/certificates/{certificate.id}/apply/change_filing"
    for address in ("江苏省无锡市某路 1 号", world.js_site.address):
        response = post(holder, apply_path, {
            "change_description": "新增生产地址",
            "production_address": f"{HOME_ADDRESS}\n{address}"}, token_from=apply_path)
        assert response.status_code == 200
        assert ("can be filed only after a licensed manufacturer has confirmed production there "
                "(the licence must include it first)") in response.get_data(as_text=True)
        assert _change_filings() == []
        with pytest.raises(DomainError) as refused:
            registrations.create_application(
                ApplicationKind.CHANGE_FILING, device, actor=world.user("holder"),
                certificate=certificate, today=china_today(), change_description="新增生产地址",
                changed_items={"production_address": f"{HOME_ADDRESS}\n{address}"})
        assert refused.value.details == [address]
        db.session.rollback()
    # other changes on file need no arrangement
    response = post(holder, apply_path, {"change_description": "注册人住所变更",
                                         "holder_address": "河北省石家庄市新华区 1 号",
                                         "changed_on": china_today().isoformat()},
                    token_from=apply_path)
    assert response.status_code == 302
    assert proposed.state == A.PROPOSED.value


def test_a_declined_or_ended_arrangement_does_not_open_the_address(world: World) -> None:
    device, certificate = world.registered()
    arrangement = world.propose(device, world.js_site)
    svc.decline(arrangement, actor=world.user("manufacturer"), reason="产能不足")
    db.session.commit()
    assert svc.confirmed_site_addresses(device.id) == set()
    second = world.propose(device, world.hb_site)
    world.confirm(second)
    assert svc.confirmed_site_addresses(device.id) == {world.hb_site.address}
    svc.end(second, actor=world.user("holder"), end_date=china_today(), reason="合同终止")
    db.session.commit()
    assert svc.confirmed_site_addresses(device.id) == set()
    with pytest.raises(DomainError):
        registrations.create_application(
            ApplicationKind.CHANGE_FILING, device, actor=world.user("holder"),
            certificate=certificate, today=china_today(), change_description="新增生产地址",
            changed_items={"production_address": f"{HOME_ADDRESS}\n{world.hb_site.address}"})
    db.session.rollback()


def test_a_device_in_application_is_activated_when_the_certificate_is_issued(
        world: World) -> None:
    device = world.device_in_application(production_address=world.js_site.address)
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)
    db.session.refresh(arrangement)
    assert arrangement.state == A.CONFIRMED.value
    assert arrangement.change_filing_id is None
    assert _change_filings() == []
    assert count(Certificate) == 0
    certificate = world.approve(device)
    db.session.refresh(arrangement)
    assert certificate.production_address == world.js_site.address
    assert arrangement.state == A.ACTIVE.value
    assert _change_filings() == []
    page = world.client("holder").get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert 'data-testid="no-active-site"' not in page


def test_a_certificate_issued_without_the_address_does_not_activate(world: World) -> None:
    device = world.device_in_application(production_address=HOME_ADDRESS)
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)
    certificate = world.approve(device)
    db.session.refresh(arrangement)
    assert world.js_site.address not in certificate.production_address
    assert arrangement.state == A.CONFIRMED.value


def test_an_address_already_on_the_certificate_activates_at_confirmation(world: World) -> None:
    device, certificate = world.registered(production_address=world.js_site.address)
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)
    db.session.refresh(certificate)
    assert certificate.production_address == world.js_site.address
    assert arrangement.state == A.ACTIVE.value
    assert arrangement.change_filing_id is None
    assert _change_filings() == []


def test_two_confirmed_sites_share_one_change_filing_with_both_addresses(
        world: World) -> None:
    device, certificate = world.registered()
    first = world.propose(device, world.js_site)
    second = world.propose(device, world.hb_site)
    world.confirm(first)
    world.confirm(second)
    [filing] = _change_filings()
    assert first.change_filing_id == second.change_filing_id == filing.id
    assert filing.changed_items["production_address"].splitlines() == [
        HOME_ADDRESS, world.js_site.address, world.hb_site.address]
    upload_all(filing, world.user("holder"))
    registrations.submit_application(filing, actor=world.user("holder"), password=PASSWORD,
                                     declaration=True, today=china_today())
    db.session.commit()
    db.session.refresh(certificate)
    assert (first.state, second.state) == (A.ACTIVE.value, A.ACTIVE.value)
    assert certificate.production_address.splitlines() == [
        HOME_ADDRESS, world.js_site.address, world.hb_site.address]


def test_a_draft_change_filing_of_the_holder_gets_the_new_address(world: World) -> None:
    """The holder already had a change filing in draft (its own address): confirmation adds
    the production address to it instead of linking a filing that would never add it."""
    device, certificate = world.registered()
    own = registrations.create_application(
        ApplicationKind.CHANGE_FILING, device, actor=world.user("holder"),
        certificate=certificate, today=china_today(), change_description="注册人住所变更",
        changed_items={"holder_address": "河北省石家庄市新华区 1 号"}, changed_on=china_today())
    db.session.commit()
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)
    db.session.refresh(own)
    assert arrangement.change_filing_id == own.id
    assert own.changed_items == {
        "holder_address": "河北省石家庄市新华区 1 号",
        "production_address": f"{HOME_ADDRESS}\n{world.js_site.address}"}
    upload_all(own, world.user("holder"))
    registrations.submit_application(own, actor=world.user("holder"), password=PASSWORD,
                                     declaration=True, today=china_today())
    db.session.commit()
    db.session.refresh(arrangement)
    db.session.refresh(certificate)
    assert arrangement.state == A.ACTIVE.value
    assert certificate.holder_address == "河北省石家庄市新华区 1 号"
    assert world.js_site.address in certificate.production_address.splitlines()


def test_filing_refused_when_the_arrangement_ended_after_the_draft(app, demo):
    """The licence-first rule is checked again when the change filing is submitted."""
    import io as _io

    from devreg.arrangements import services as arrangements
    from devreg.clock import china_today
    from devreg.errors import DomainError
    from devreg.extensions import db
    from devreg.production.models import ProductionLicence
    from devreg.production.services import add_site
    from devreg.registrations import services as registrations
    from devreg.registrations.models import Application
    from tests.arrangements.test_journey import _registered_device
    from tests.registrations.helpers import PDF

    device, _certificate = _registered_device(demo, category="07")
    licence = db.session.scalar(db.select(ProductionLicence).where(
        ProductionLicence.number == "苏药监械生产许20210015号"))
    site = add_site(licence, "江苏省苏州市某路 1 号")
    arrangement = arrangements.propose(
        arrangements.Proposal(device_id=device.id, site_id=site.id, planned_start=china_today(),
                              planned_end=None, clauses=tuple(arrangements.CLAUSES),
                              agreement_until=TERM, commission_until=TERM),
        actor=demo.user("holder"), agreement_name="a.pdf", agreement_stream=_io.BytesIO(PDF),
        commission_name="b.pdf", commission_stream=_io.BytesIO(PDF))
    arrangements.confirm(arrangement, actor=demo.user("manufacturer"), password="devreg-demo",
                         today=china_today())
    filing = db.session.get(Application, arrangement.change_filing_id)
    holder = demo.user("holder")
    for chapter in ("form", "certificate", "change"):
        registrations.add_dossier_file(filing, chapter, filename="x.pdf",
                                       stream=_io.BytesIO(PDF), actor=holder)
    arrangements.end(arrangement, actor=holder, end_date=china_today(), reason="终止")
    db.session.commit()
    with pytest.raises(DomainError, match="licence"):
        registrations.submit_application(filing, actor=holder, password="devreg-demo",
                                         declaration=True, today=china_today())
    db.session.rollback()
    db.session.refresh(filing)
    assert filing.state == "draft"
