"""Production addresses are records (issue 10 item 2): one per address, linked to the site and
the arrangement, with from and to dates; ending an arrangement starts the filing that removes
the address (2024-38 §14 ¶2); "who was authorised on day D" is a query the certificate page
answers."""

from __future__ import annotations

import html
import io
from datetime import timedelta

from sqlalchemy import select

from devreg.arrangements import services as svc
from devreg.arrangements.models import ProductionAddress
from devreg.arrangements.queries import authorised_on, current_addresses
from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations import services as registrations
from devreg.registrations.models import Application
from tests.arrangements.builders import A, World
from tests.registrations.helpers import PDF


def test_the_same_address_written_twice_or_with_a_note_is_one_record(world: World) -> None:
    site = world.js_site.address
    device, certificate = world.registered(
        production_address=f"{site}（受托生产企业：苏州精工医疗器械制造有限公司）\n{site}\n"
                           f"{site.replace(' ', '')}")
    rows = current_addresses(certificate)
    assert [r.address for r in rows] == [site]  # the note is dropped, spaces do not count
    assert certificate.production_address == site
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)  # already on the certificate: active, and the record links it
    assert arrangement.state == A.ACTIVE.value
    (row,) = current_addresses(certificate)
    assert (row.arrangement_id, row.site_id, row.is_commissioned) == (
        arrangement.id, world.js_site.id, True)


def test_ending_starts_the_filing_that_removes_the_address_and_dates_answer_who_made_it(
        world: World) -> None:
    home = "河北省石家庄市高新区天山大街 266 号"
    device, certificate = world.registered(production_address=f"{home}\n{world.js_site.address}")
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)
    today = china_today()
    made_by = {maker.name_zh for _row, maker in authorised_on(certificate, today)}
    assert "苏州精工医疗器械制造有限公司" in made_by
    svc.end(arrangement, actor=world.user("holder"), end_date=today, reason="合同终止")
    db.session.commit()
    filing = db.session.get(Application, arrangement.removal_filing_id)
    assert filing is not None and filing.kind == "change_filing"
    assert filing.changed_items["production_address"] == home
    assert "NMPA 2024 No. 38 §14" in filing.change_description
    # filing it takes the address off; the record ends, and the day after nobody commissioned
    # makes the device


    holder = world.user("holder")
    for chapter in ("form", "certificate", "change"):
        registrations.add_dossier_file(filing, chapter, filename=f"{chapter}.pdf",
                                       stream=io.BytesIO(PDF), actor=holder)
    registrations.submit_application(filing, actor=holder, password="devreg-demo",
                                     declaration=True, today=today)
    db.session.commit()
    db.session.refresh(certificate)
    assert certificate.production_address == home
    ended = db.session.scalar(select(ProductionAddress).where(
        ProductionAddress.arrangement_id == arrangement.id))
    assert ended.valid_to == today
    assert [r.address for r in current_addresses(certificate)] == [home]
    later = {m.name_zh for _r, m in authorised_on(certificate, today + timedelta(days=1))}
    assert "苏州精工医疗器械制造有限公司" not in later
    # the certificate page answers the question for a day
    page = html.unescape(world.client("holder").get(
        f"/certificates/{certificate.id}?on={today.isoformat()}").get_data(as_text=True))
    block = page.split('data-testid="authorised-on"')[1].split("</ul>")[0]
    assert "苏州精工医疗器械制造有限公司" in block or "Suzhou Jinggong" in block
