"""The cross-regional journey: a Hebei holder's device made by the Jiangsu manufacturer."""

import io
import re
from datetime import date

from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import Arrangement, Notice
from devreg.auth.roles import Role
from devreg.auth.services import UserData, create_user
from devreg.certificates.models import Certificate
from devreg.clock import china_today
from devreg.extensions import db
from devreg.production.models import ProductionLicence
from devreg.production.services import add_site
from devreg.registrations.models import Application
from devreg.review import services as review
from tests.conftest import login, post
from tests.registrations.helpers import PDF, submitted_application

#: the agreements' last day: within the demo licence and any certificate issued now
TERM = date(2030, 12, 31)

JIANGSU_LICENCE = "苏药监械生产许20210015号"
SITE = "江苏省苏州市工业园区星湖街 218 号 2 号厂房"


def _registered_device(demo, category="09"):
    today = china_today()
    application = submitted_application(demo, today=today, category=category, name="理疗仪")
    reviewer, approver = demo.user("reviewer"), demo.user("approver")
    review.accept(application, actor=reviewer, password="devreg-demo", today=today)
    review.assign_reviewer(application, actor=reviewer, reviewer=reviewer, today=today)
    review.record_qms(application, actor=reviewer, result="pass", notes="", today=today)
    review.give_opinion(application, actor=reviewer, password="devreg-demo",
                        recommendation="approve", text="ok", today=today)
    certificate = review.decide(application, actor=approver, password="devreg-demo",
                                approve=True, reasons="", today=today)
    db.session.commit()
    return application.device, certificate


def _version(client, path):
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def test_cross_regional_arrangement_from_proposal_to_certificate(app, demo):
    device, certificate = _registered_device(demo)
    licence = db.session.scalar(db.select(ProductionLicence).where(
        ProductionLicence.number == JIANGSU_LICENCE))
    site = add_site(licence, SITE)
    db.session.commit()

    holder, maker, js_reviewer, hb_reviewer = (app.test_client() for _ in range(4))
    login(holder, "holder")
    login(maker, "manufacturer")
    login(js_reviewer, "reviewer.js")
    login(hb_reviewer, "reviewer")

    response = post(holder, "/arrangements/new", {
        "device_id": str(device.id), "site_id": str(site.id), "planned_start": "2026-12-01",
        "clauses": list(CLAUSES), "agreement_until": "2030-12-31",
        "commission_until": "2030-12-31",
        "agreement": (io.BytesIO(PDF), "质量协议.pdf"),
        "commission_agreement": (io.BytesIO(PDF), "委托协议.pdf")}, token_from="/arrangements/new",
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    arrangement = db.session.scalar(db.select(Arrangement))
    assert arrangement.is_cross_regional and arrangement.state == "proposed"
    path = f"/arrangements/{arrangement.id}"

    # the licence does not cover subcategory 09: confirmation is refused, with the reason
    page = maker.get(path).get_data(as_text=True)
    assert 'data-testid="licence-problem"' in page
    response = post(maker, path + "/confirm", {"version": _version(maker, path),
                                               "signature_password": "devreg-demo"},
                    token_from=path)
    assert response.status_code == 422
    db.session.refresh(arrangement)
    assert arrangement.state == "proposed"

    response = post(maker, f"/production/licences/{licence.id}/scope-change", {
        "codes": ["09"], "reason": "新增理疗仪生产"}, token_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    scope_request = licence_request = db.session.scalar(
        db.text("SELECT id FROM scope_change_requests"))
    response = post(js_reviewer, f"/production/scope-changes/{scope_request}/decide", {
        "decision": "approve", "reason": "", "signature_password": "devreg-demo"},
        token_from="/production/scope-changes")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.refresh(licence)
    assert "09" in licence.scope_codes
    assert licence_request

    response = post(maker, path + "/confirm", {"version": _version(maker, path),
                                               "signature_password": "devreg-demo"},
                    token_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.refresh(arrangement)
    assert arrangement.state == "confirmed"
    notices = db.session.scalars(db.select(Notice.province_code)).all()
    # both provinces: confirmed; Hebei also: a product added in Jiangsu (Order 53 Art 68)
    assert sorted(notices) == ["13", "13", "32"]

    # devreg started the change filing with the new address and linked both ways
    filing = db.session.get(Application, arrangement.change_filing_id)
    assert filing.kind == "change_filing" and SITE in filing.changed_items["production_address"]
    assert 'data-testid="change-filing-link"' in holder.get(path).get_data(as_text=True)
    assert f'href="/arrangements/{arrangement.id}"' in holder.get(
        f"/applications/{filing.id}").get_data(as_text=True)

    # both provinces see it in their supervision queue
    for client in (js_reviewer, hb_reviewer):
        assert f"/arrangements/{arrangement.id}" in client.get("/supervision").get_data(
            as_text=True)
    # the Jiangsu reviewer sees the certificate and licence, not the holder's applications
    assert js_reviewer.get(f"/certificates/{certificate.id}").status_code == 200
    assert js_reviewer.get(f"/applications/{filing.id}").status_code == 404

    filing_path = f"/applications/{filing.id}"
    for chapter in ("form", "certificate", "change"):
        response = post(holder, filing_path + "/files", {
            "chapter": chapter, "file": (io.BytesIO(PDF), f"{chapter}.pdf")},
            token_from=filing_path, content_type="multipart/form-data")
        assert response.status_code == 302
    response = post(holder, filing_path + "/submit", {"declaration": "y",
                                                      "signature_password": "devreg-demo"},
                    token_from=filing_path)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.refresh(arrangement)
    db.session.refresh(certificate)
    assert arrangement.state == "active"
    assert SITE in certificate.production_address
    page = holder.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert SITE in page and "苏州精工" in page


def test_reviewer_of_another_province_and_other_manufacturer_get_404(app, demo):
    device, _certificate = _registered_device(demo, category="07")
    licence = db.session.scalar(db.select(ProductionLicence).where(
        ProductionLicence.number == JIANGSU_LICENCE))
    site = add_site(licence, SITE)
    from devreg.arrangements import services as arrangements

    arrangement = arrangements.propose(
        arrangements.Proposal(device_id=device.id, site_id=site.id,
                              planned_start=china_today(), planned_end=None,
                              clauses=tuple(arrangements.CLAUSES),
                              agreement_until=TERM, commission_until=TERM),
        actor=demo.user("holder"), agreement_name="a.pdf", agreement_stream=io.BytesIO(PDF),
        commission_name="b.pdf", commission_stream=io.BytesIO(PDF))
    beijing = demo.org("reg_beijing")
    create_user(UserData(email="reviewer.bj@example.cn", display_name="BJ", role=Role.REVIEWER,
                         organisation_id=beijing.id, has_review_duty=True),
                password="another-good-pass", temporary=False)
    db.session.commit()
    other = app.test_client()
    login(other, "reviewer.bj@example.cn", "another-good-pass")
    assert other.get(f"/arrangements/{arrangement.id}").status_code == 404
    assert f"/arrangements/{arrangement.id}" not in other.get("/supervision").get_data(
        as_text=True)
    beijing_maker = app.test_client()
    login(beijing_maker, "holder.bj")  # the Beijing holder also manufactures
    assert beijing_maker.get(f"/arrangements/{arrangement.id}").status_code == 404
    assert db.session.scalar(db.select(Certificate.id)) is not None
