"""Proposing: cross-regional is derived from the provinces (never typed); self-manufacture
needs no agreement; a commissioned proposal needs every clause heading and an accepted
agreement file, else it is refused with the list and nothing is saved (no row, no file)."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from devreg.arrangements import services as svc
from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import Arrangement, ArrangementFile, Notice
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from tests.arrangements.builders import (
    ALL_CLAUSES,
    FORM_DATA,
    HB_MAKER_EMAIL,
    A,
    World,
    act,
    count,
)
from tests.conftest import post
from tests.registrations.helpers import PDF, files_on_disk

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


def _zip_without_office() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


def propose_on_web(client, device, site, *, clauses=ALL_CLAUSES, agreement=(PDF, "质量协议.pdf"),  # type: ignore[no-untyped-def]
                   planned_start="2026-12-01", commission=(PDF, "委托协议.pdf"),
                   until=None, **extra):
    if until is None:  # the last day the certificate and the licence allow (2024-38 §4)
        until = svc.agreement_limit(device, site)[0].isoformat()
    data = {"device_id": str(device.id), "site_id": str(site.id),
            "planned_start": planned_start, "clauses": list(clauses),
            "agreement_until": until, "commission_until": until, **extra}
    if agreement is not None:
        data["agreement"] = (io.BytesIO(agreement[0]), agreement[1])
    if commission is not None:
        data["commission_agreement"] = (io.BytesIO(commission[0]), commission[1])
    return post(client, "/arrangements/new", data, token_from="/arrangements/new",
                content_type="multipart/form-data")


def _nothing_saved(app, before: set) -> None:  # type: ignore[no-untyped-def, type-arg]
    """No arrangement row, no agreement row, and no file on disk beyond ``before`` (the device's
    dossier files)."""
    db.session.rollback()
    assert count(Arrangement) == 0
    assert count(ArrangementFile) == 0
    assert set(files_on_disk(app)) == before


# --- cross-regional, derived ---------------------------------------------------------------

def test_hebei_holder_with_a_jiangsu_site_is_cross_regional(world: World) -> None:
    device = world.device_in_application()
    client = world.client("holder")
    # whatever a client adds to the form, the provinces come from the holder and the licence
    response = propose_on_web(client, device, world.js_site, is_cross_regional="",
                              cross_regional="n", holder_province_code="32",
                              site_province_code="13", is_self_manufacture="y")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    arrangement = db.session.scalar(select(Arrangement))
    assert (arrangement.holder_province_code, arrangement.site_province_code) == ("13", "32")
    assert arrangement.is_cross_regional
    assert not arrangement.is_self_manufacture
    assert arrangement.manufacturer_org_id == world.js_licence.organisation_id
    assert arrangement.clauses == sorted(CLAUSES)
    assert arrangement.agreement_file.content_type == "application/pdf"
    page = client.get(f"/arrangements/{arrangement.id}").get_data(as_text=True)
    assert 'data-testid="cross-regional"' in page


def test_a_same_province_manufacturer_is_not_cross_regional(world: World) -> None:
    device = world.device_in_application()
    response = propose_on_web(world.client("holder"), device, world.hb_site)
    assert response.status_code == 302
    arrangement = db.session.scalar(select(Arrangement))
    assert not arrangement.is_cross_regional
    assert not arrangement.is_self_manufacture
    assert arrangement.site_province_code == "13"


def test_beijing_holder_manufacturing_itself_needs_no_agreement_and_confirms_itself(
        world: World) -> None:
    device = world.device_in_application(holder="holder.bj")
    on_disk = set(files_on_disk(world.app))
    holder = world.client("holder.bj")
    response = propose_on_web(holder, device, world.bj_site, clauses=(), agreement=None)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    arrangement = db.session.scalar(select(Arrangement))
    assert arrangement.is_self_manufacture
    assert not arrangement.is_cross_regional
    assert arrangement.holder_org_id == arrangement.manufacturer_org_id
    assert arrangement.agreement_file_id is None
    assert set(files_on_disk(world.app)) == on_disk  # nothing uploaded, nothing stored
    assert arrangement.clauses == []
    path = f"/arrangements/{arrangement.id}"
    page = holder.get(path).get_data(as_text=True)
    assert 'data-testid="cross-regional"' not in page
    assert "Self-manufacture" in page
    # the Beijing holder, as its own manufacturer, confirms it
    assert f'action="{path}/confirm"' in page
    response = act(holder, arrangement, "confirm", FORM_DATA["confirm"])
    assert response.status_code == 302
    db.session.refresh(arrangement)
    assert arrangement.state == A.CONFIRMED.value
    # one province: one notice
    assert [(n.province_code, n.kind) for n in db.session.scalars(select(Notice))] == [
        ("11", "confirmed")]
    # no agreement to download
    assert holder.get(path + "/agreement").status_code == 404


def test_beijing_holder_commissioning_in_jiangsu_is_cross_regional(world: World) -> None:
    device = world.device_in_application(holder="holder.bj")
    arrangement = world.propose(device, world.js_site)
    assert arrangement.is_cross_regional
    assert not arrangement.is_self_manufacture
    assert (arrangement.holder_province_code, arrangement.site_province_code) == ("11", "32")


# --- the quality agreement ---------------------------------------------------------------

@pytest.mark.parametrize("missing", list(CLAUSES))
def test_every_clause_heading_is_required(world: World, missing: str) -> None:
    device = world.device_in_application()
    on_disk = set(files_on_disk(world.app))
    response = propose_on_web(world.client("holder"), device, world.js_site,
                              clauses=[c for c in CLAUSES if c != missing])
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert "must cover every clause heading" in page
    assert str(CLAUSES[missing]) in page.split("Not ticked:")[1].split("</")[0]
    for other in CLAUSES:
        if other != missing:
            assert str(CLAUSES[other]) not in page.split("Not ticked:")[1].split("</")[0]
    _nothing_saved(world.app, on_disk)


def test_no_clause_ticked_lists_the_whole_2022_no_20_checklist(world: World) -> None:
    device = world.device_in_application()
    on_disk = set(files_on_disk(world.app))
    response = propose_on_web(world.client("holder"), device, world.js_site, clauses=())
    assert response.status_code == 200
    listed = html.unescape(response.get_data(as_text=True)).split("Not ticked:")[1].split("</")[0]
    assert len(CLAUSES) == 21
    assert all(str(title) in listed for title in CLAUSES.values())
    _nothing_saved(world.app, on_disk)
    with pytest.raises(DomainError) as refused:
        world.propose(device, world.js_site, clauses=())
    assert refused.value.details == [str(t) for t in CLAUSES.values()]
    _nothing_saved(world.app, on_disk)


def test_agreement_file_is_required_for_commissioned_production(world: World) -> None:
    device = world.device_in_application()
    on_disk = set(files_on_disk(world.app))
    response = propose_on_web(world.client("holder"), device, world.js_site, agreement=None)
    assert response.status_code == 200
    assert "Upload the signed quality agreement" in response.get_data(as_text=True)
    _nothing_saved(world.app, on_disk)
    # same province, other company: still commissioned, still required
    response = propose_on_web(world.client("holder"), device, world.hb_site, agreement=None)
    assert "Upload the signed quality agreement" in response.get_data(as_text=True)
    _nothing_saved(world.app, on_disk)


@pytest.mark.parametrize(("content", "name"), [
    (b"just some text\n", "agreement.txt"),
    (b"just some text\n", "agreement.pdf"),  # the name does not make it a PDF
    (b"MZ\x90\x00" + b"\x00" * 60, "agreement.exe"),
    (b"GIF89a" + b"\x00" * 32, "agreement.gif"),
    (_zip_without_office(), "agreement.docx"),
    (b"", "empty.pdf"),
])
def test_agreement_of_a_refused_type_saves_nothing(world: World, content: bytes,
                                                   name: str) -> None:
    device = world.device_in_application()
    on_disk = set(files_on_disk(world.app))
    response = propose_on_web(world.client("holder"), device, world.js_site,
                              agreement=(content, name))
    assert response.status_code == 200
    assert "must be a PDF, PNG, JPEG, DOCX or XLSX file" in response.get_data(as_text=True)
    _nothing_saved(world.app, on_disk)


@pytest.mark.parametrize(("content", "name", "mime"), [
    (PDF, "a.pdf", "application/pdf"), (PNG, "a.png", "image/png"),
    (JPEG, "a.jpg", "image/jpeg"),
    (_office("docx"), "a.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (_office("xlsx"), "a.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_accepted_agreement_types(world: World, content: bytes, name: str, mime: str) -> None:
    device = world.device_in_application()
    on_disk = set(files_on_disk(world.app))
    response = propose_on_web(world.client("holder"), device, world.js_site,
                              agreement=(content, name))
    assert response.status_code == 302
    record = db.session.scalar(select(Arrangement)).agreement_file
    assert (record.content_type, record.original_name, record.size) == (mime, name, len(content))
    assert count(ArrangementFile) == 2  # and the commission agreement
    assert len(set(files_on_disk(world.app)) - on_disk) == 2


# --- other proposal rules -------------------------------------------------------------------

def test_planned_end_before_start_is_refused(world: World) -> None:
    device = world.device_in_application()
    on_disk = set(files_on_disk(world.app))
    response = propose_on_web(world.client("holder"), device, world.js_site,
                              planned_end="2026-11-30")
    assert response.status_code == 200
    assert "planned end cannot be before the planned start" in response.get_data(as_text=True)
    _nothing_saved(world.app, on_disk)


def test_only_the_devices_holder_proposes(world: World) -> None:
    device = world.device_in_application()  # the Hebei holder's
    on_disk = set(files_on_disk(world.app))
    # the Beijing holder does not even get the device offered
    response = propose_on_web(world.client("holder.bj"), device, world.js_site)
    assert response.status_code == 200
    _nothing_saved(world.app, on_disk)
    for email in ("holder.bj", "manufacturer", HB_MAKER_EMAIL, "reviewer"):
        with pytest.raises(Forbidden):
            world.propose(device, world.js_site, holder=email)
        _nothing_saved(world.app, on_disk)
    for email in ("manufacturer", "reviewer.js"):
        assert world.client(email).get("/arrangements/new").status_code == 403


def test_one_live_arrangement_per_device_and_site(world: World) -> None:
    device = world.device_in_application()
    on_disk = set(files_on_disk(world.app))
    first = world.propose(device, world.js_site)
    with pytest.raises(DomainError, match="already has an arrangement"):
        world.propose(device, world.js_site)
    db.session.rollback()
    assert len(set(files_on_disk(world.app)) - on_disk) == 2  # the first one's agreements
    # once the first is withdrawn, a new proposal is possible
    svc.withdraw(first, actor=world.user("holder"))
    db.session.commit()
    second = world.propose(device, world.js_site, planned_start=china_today())
    assert second.id != first.id
    assert count(Arrangement) == 2


def test_proposal_page_offers_sites_of_every_licence(world: World) -> None:
    page = world.client("holder").get("/arrangements/new").get_data(as_text=True)
    for site in (world.js_site, world.bj_site, world.hb_site):
        assert re.search(rf'<option[^>]*value="{site.id}"', page)
