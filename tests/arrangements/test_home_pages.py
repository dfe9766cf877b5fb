"""Issue 4 on the home pages: the holder's flag for registered devices without an active
production site, and the reviewer's province matrix."""

import io
from datetime import date

from devreg.arrangements import services as arrangements
from devreg.clock import china_today
from devreg.extensions import db
from devreg.production.models import ProductionLicence
from devreg.production.services import add_site
from tests.arrangements.test_journey import _registered_device
from tests.conftest import login
from tests.registrations.helpers import PDF

#: the agreements' last day: within the demo licence and any certificate issued now
TERM = date(2030, 12, 31)


def test_holder_home_flags_a_registered_device_until_a_site_is_active(app, demo):
    device, certificate = _registered_device(demo, category="07")
    client = app.test_client()
    login(client, "holder")
    page = client.get("/home").get_data(as_text=True)
    assert 'data-testid="devices-without-site"' in page and device.name in page

    licence = db.session.scalar(db.select(ProductionLicence).where(
        ProductionLicence.number == "苏药监械生产许20210015号"))
    site = add_site(licence, certificate.production_address)  # already on the certificate
    arrangement = arrangements.propose(
        arrangements.Proposal(device_id=device.id, site_id=site.id, planned_start=china_today(),
                              planned_end=None, clauses=tuple(arrangements.CLAUSES),
                              agreement_until=TERM, commission_until=TERM),
        actor=demo.user("holder"), agreement_name="a.pdf", agreement_stream=io.BytesIO(PDF),
        commission_name="b.pdf", commission_stream=io.BytesIO(PDF))
    arrangements.confirm(arrangement, actor=demo.user("manufacturer"), password="devreg-demo",
                         today=china_today())
    db.session.commit()
    assert arrangement.state == "active"
    page = client.get("/home").get_data(as_text=True)
    assert 'data-testid="devices-without-site"' not in page

    reviewer = app.test_client()
    login(reviewer, "reviewer.js")
    page = reviewer.get("/home").get_data(as_text=True)
    assert 'data-testid="matrix"' in page and "active-cell" in page
