"""The main forms under random and hostile input, posted through the test client by a signed-in
user with a valid CSRF token: very long strings, unicode (right-to-left, emoji, NUL), SQL and
HTML fragments, empty values, wrong types where a number or a date belongs.

Whatever is posted: never a 5xx, never a stack trace, HTML comes back escaped (the page never
contains an injected tag raw), and nothing is half-saved: row counts change only when the answer
is the success redirect to the new record, and then by exactly one."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import event, example, given
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from devreg.arrangements.clauses import CLAUSES
from devreg.arrangements.models import Arrangement, ArrangementFile
from devreg.audit.models import AuditEvent
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.orgs.uscc import ALPHABET, check_character
from devreg.production.models import ProductionLicence
from devreg.production.services import add_site
from devreg.reference.data import CATALOGUE_CODES, PROVINCE_CODES
from devreg.registrations import services as registrations
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application, Device, DossierFile
from tests.conftest import csrf_token, login
from tests.fuzz.strategies import FORMS, XSS, hostile_text

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JIANGSU_LICENCE = "苏药监械生产许20210015号"
TODAY = date(2026, 3, 2)


# --- what every answer must satisfy -----------------------------------------------------------

def rows(*models: Any) -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def files_on_disk(app: Flask) -> set[Path]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def assert_sane(response: Any, what: str) -> str:
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500, f"{what}: {response.status_code}\n{body[-3000:]}"
    assert "Traceback" not in body, f"{what}: stack trace in the page"
    for marker in XSS:
        assert marker not in body, f"{what}: {marker!r} came back unescaped"
    return body


def created(response: Any, pattern: str) -> bool:
    """The success answer: a redirect to the new record's page."""
    return response.status_code == 302 and re.fullmatch(
        pattern, response.location.split("?", 1)[0].removeprefix("http://localhost")) is not None


def check_saved_or_nothing(client: FlaskClient, response: Any, pattern: str,
                           before: tuple[int, ...], after: tuple[int, ...], what: str) -> None:
    if created(response, pattern):
        event("saved")
        assert after == tuple(n + 1 for n in before), f"{what}: saved {before} -> {after}"
        # the record's page shows what was posted, escaped
        assert_sane(client.get(response.location), f"{what} (the new record's page)")
    else:
        event(f"refused {response.status_code}")
        assert after == before, f"{what}: refused ({response.status_code}) but rows changed " \
                                f"{before} -> {after}"


def form(**fields: Any) -> dict[str, Any]:
    """Leave out the fields drawn as None (a browser that omits them)."""
    return {k: v for k, v in fields.items() if v is not None}


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def either(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """For free text: a plausible value or anything hostile (most of which is still valid text
    for such a field, and gets saved)."""
    return st.one_of(valid, hostile_text)


def mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """For a constrained field (a code, a choice, a date): usually a valid value, so that the
    examples get past it to the rest of the form; sometimes anything hostile."""
    return st.sampled_from([True, True, True, False]).flatmap(
        lambda ok: valid if ok else hostile_text)


checkbox = maybe(st.one_of(st.just("y"), hostile_text))
valid_uscc = st.text(alphabet=ALPHABET, min_size=2, max_size=2).flatmap(
    lambda head: st.text(alphabet="0123456789", min_size=6, max_size=6).flatmap(
        lambda division: st.text(alphabet=ALPHABET, min_size=9, max_size=9).map(
            lambda body: head + division + body + check_character(head + division + body))))
iso_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).map(
    date.isoformat)
filenames = st.one_of(
    st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=30).map(
        lambda name: name + ".pdf"),
    st.sampled_from(["dossier.pdf", "../../etc/passwd", "..\\..\\boot.ini", "a" * 300 + ".pdf",
                     "bad\x00name.pdf", "line\r\nbreak.pdf", "\u202efdp.exe", ".hidden.pdf",
                     "<script>alert('devreg-xss')</script>.pdf", "", "😀.pdf"]),
    st.text(max_size=80))
#: mostly a real PDF (so that some files are stored), else random bytes, a fake PDF header
#: or a ZIP that is no office document
contents = st.sampled_from(["pdf", "pdf", "pdf", "random", "fake-pdf", "zip"]).flatmap(
    lambda kind: {
        "pdf": st.binary(max_size=100).map(lambda b: PDF + b),
        "random": st.binary(max_size=2000),
        "fake-pdf": st.binary(max_size=500).map(lambda b: b"%PDF-" + b),
        "zip": st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    }[kind])
#: a file, mostly; sometimes none at all
upload = st.sampled_from([True, True, True, False]).flatmap(
    lambda sent: contents if sent else st.none())


@pytest.fixture
def admin(client: FlaskClient, demo: Any) -> FlaskClient:
    login(client, "admin")
    return client


@pytest.fixture
def holder(client: FlaskClient, demo: Any) -> FlaskClient:
    login(client, "holder")
    return client


# --- administration ---------------------------------------------------------------------------

@FORMS
@given(data=st.fixed_dictionaries({
    "name_zh": either(st.text(alphabet="厦门测试医疗有限公司", min_size=4, max_size=20)),
    "name_en": maybe(hostile_text),
    "uscc": mostly(valid_uscc),
    "province_code": mostly(st.sampled_from(sorted(PROVINCE_CODES))),
    "address": either(st.text(alphabet="福建省厦门市思明区 1 号", min_size=1, max_size=40)),
}), flags=mostly(st.sampled_from(
    [("y", None, None), (None, "y", None), ("y", "y", None), (None, None, "y")])).map(
        lambda f: f if isinstance(f, tuple) else (f, f, None)))
@example(data={"name_zh": XSS[0], "name_en": XSS[1], "uscc": "91350100M000100Y43",
               "province_code": "35", "address": XSS[2]}, flags=("y", None, None))
def test_organisation_create_survives_anything(admin: FlaskClient, data: dict[str, Any],
                                               flags: tuple[Any, Any, Any]) -> None:
    token = csrf_token(admin, "/admin/organisations/new")
    before = rows(Organisation)
    holder, manufacturer, regulator = flags
    response = admin.post("/admin/organisations/new", data=form(
        csrf_token=token, is_holder=holder, is_manufacturer=manufacturer,
        is_regulator=regulator, **data))
    assert_sane(response, "organisation create")
    check_saved_or_nothing(admin, response, r"/admin/organisations/\d+", before,
                           rows(Organisation), "organisation create")


@FORMS
@given(data=st.fixed_dictionaries({
    "email": mostly(st.emails().filter(lambda e: len(e) <= 254)),
    "display_name": either(st.just("新用户 New")),
    "password": mostly(st.text(alphabet="0123456789", max_size=5).map(
        lambda n: "correct-horse-battery-" + n)),
    "has_accept_duty": checkbox, "has_review_duty": checkbox, "has_approve_duty": checkbox,
}), role=mostly(st.sampled_from([("admin", None), ("holder", "holder_hebei"),
                                 ("manufacturer", "maker_jiangsu"), ("reviewer", "reg_hebei")])))
@example(data={"email": "xss@example.com", "display_name": XSS[0],
               "password": "correct-horse-battery-7", "has_accept_duty": None,
               "has_review_duty": None, "has_approve_duty": None}, role=("admin", None))
def test_user_create_survives_anything(admin: FlaskClient, demo: Any, data: dict[str, Any],
                                       role: Any) -> None:
    token = csrf_token(admin, "/admin/users/new")
    before = rows(User)
    if isinstance(role, tuple):  # a role and an organisation of the kind it needs
        role, organisation_id = role[0], "0" if role[1] is None else str(demo.org(role[1]).id)
    else:  # the same hostile value for both
        organisation_id = role
    response = admin.post("/admin/users/new", data=form(
        csrf_token=token, role=role, organisation_id=organisation_id, **data))
    assert_sane(response, "user create")
    check_saved_or_nothing(admin, response, r"/admin/users/\d+", before, rows(User),
                           "user create")


# --- the holder's forms -----------------------------------------------------------------------

@FORMS
@given(data=st.fixed_dictionaries({
    "name": either(st.text(alphabet="电子血压计体温", min_size=1, max_size=20)),
    "model_spec": either(st.text(alphabet="BP-1002 ,", min_size=1, max_size=20)),
    "structure": either(st.text(alphabet="主机、袖带", min_size=1, max_size=20)),
    "intended_use": either(st.text(alphabet="测量血压", min_size=1, max_size=20)),
    "device_class": mostly(st.just("2")),
    "category_code": mostly(st.sampled_from(sorted(CATALOGUE_CODES))),
    "is_ivd_reagent": checkbox,
}))
@example(data={"name": XSS[0], "model_spec": XSS[1], "structure": XSS[2], "intended_use": XSS[0],
               "device_class": "2", "category_code": "07", "is_ivd_reagent": None})
def test_device_create_survives_anything(holder: FlaskClient, data: dict[str, Any]) -> None:
    token = csrf_token(holder, "/devices/new")
    before = rows(Device)
    response = holder.post("/devices/new", data=form(csrf_token=token, **data))
    assert_sane(response, "device create")
    check_saved_or_nothing(holder, response, r"/devices/\d+", before, rows(Device),
                           "device create")


def _device(demo: Any, name: str = "电子血压计") -> Device:
    device = registrations.create_device(registrations.DeviceData(
        name=name, model_spec="BP-100", structure="主机、袖带", intended_use="测量血压",
        device_class="2", category_code="07", is_ivd_reagent=False),
        holder_org_id=demo.user("holder").organisation_id)
    db.session.commit()
    return device


@FORMS
@given(address=maybe(either(st.just("河北省石家庄市高新区 1 号"))),
       extra=st.dictionaries(st.sampled_from(["kind", "device_id", "state"]), hostile_text))
@example(address=XSS[0], extra={})
def test_application_create_survives_anything(holder: FlaskClient, demo: Any,
                                              address: str | None,
                                              extra: dict[str, str]) -> None:
    device = _device(demo)  # a fresh device each time: one open application per device
    token = csrf_token(holder, f"/devices/{device.id}")
    before = rows(Application, AuditEvent)
    response = holder.post(f"/devices/{device.id}/apply",
                           data=form(csrf_token=token, production_address=address, **extra))
    assert_sane(response, "application create")
    if created(response, r"/applications/\d+"):
        event("saved")
        after = rows(Application, AuditEvent)
        assert after[0] == before[0] + 1
        assert_sane(holder.get(response.location), "the new application's page")
    else:  # refused: the device page with the message, nothing saved
        event(f"refused {response.status_code}")
        assert rows(Application, AuditEvent) == before
        if response.status_code == 302:
            assert_sane(holder.get(response.location), "the page after a refusal")


@pytest.fixture
def draft(demo: Any) -> Application:
    with acting_as(None, "test"):
        device = _device(demo)
        application = registrations.create_application(
            ApplicationKind.INITIAL, device, actor=demo.user("holder"), today=TODAY,
            production_address="河北省石家庄市")
        db.session.commit()
    return application


@FORMS
@given(chapter=mostly(st.sampled_from(["1", "2", "3", "4", "5", "6"])),
       filename=filenames, content=upload,
       version=maybe(mostly(st.sampled_from(["1", "2"]))))
@example(chapter="1", filename=XSS[1] + ".pdf", content=PDF, version=None)
def test_dossier_upload_survives_anything(app: Flask, holder: FlaskClient, draft: Application,
                                          chapter: str | None, filename: str,
                                          content: bytes | None, version: str | None) -> None:
    path = f"/applications/{draft.id}"
    token = csrf_token(holder, path)
    before, disk = rows(DossierFile), files_on_disk(app)
    data = form(csrf_token=token, chapter=chapter, version=version,
                file=None if content is None else (io.BytesIO(content), filename))
    response = holder.post(path + "/files", data=data, content_type="multipart/form-data")
    assert_sane(response, "dossier upload")
    after = rows(DossierFile)
    if created(response, re.escape(path)):
        event("saved")
        assert after == (before[0] + 1,)
        assert len(files_on_disk(app) - disk) == 1  # its file, under a generated name
        assert_sane(holder.get(path), "the application page after the upload")
    else:
        event(f"refused {response.status_code}")
        assert after == before, f"refused ({response.status_code}) but a row was saved"
        assert files_on_disk(app) == disk, "refused upload left a file on disk"


@pytest.fixture
def jiangsu_site(demo: Any) -> int:
    licence = db.session.scalar(select(ProductionLicence).where(
        ProductionLicence.number == JIANGSU_LICENCE))
    with acting_as(None, "test"):
        site = add_site(licence, "江苏省苏州市工业园区星湖街 218 号 2 号厂房")
        db.session.commit()
    return site.id


@FORMS
@given(device=mostly(st.just("own")), site=mostly(st.just("site")),
       start=mostly(iso_dates), end=st.one_of(st.none(), st.none(), mostly(iso_dates)),
       clauses=st.sampled_from(["all", "all", "all", "some", "hostile"]).flatmap(
           lambda kind: st.just(sorted(CLAUSES)) if kind == "all" else
           st.lists(st.sampled_from(sorted(CLAUSES)), unique=True) if kind == "some" else
           st.lists(hostile_text, max_size=3)),
       filename=filenames, content=upload)
@example(device="own", site="site", start="2026-12-01", end=None, clauses=sorted(CLAUSES),
         filename=XSS[1] + ".pdf", content=PDF)
def test_arrangement_proposal_survives_anything(
        app: Flask, holder: FlaskClient, demo: Any, jiangsu_site: int, device: str | None,
        site: str | None, start: str | None, end: str | None, clauses: list[str],
        filename: str, content: bytes | None) -> None:
    own = _device(demo, name="理疗仪")
    token = csrf_token(holder, "/arrangements/new")
    before, disk = rows(Arrangement, ArrangementFile), files_on_disk(app)
    data = form(csrf_token=token,
                device_id=str(own.id) if device == "own" else device,
                site_id=str(jiangsu_site) if site == "site" else site,
                planned_start=start, planned_end=end, clauses=clauses,
                agreement=None if content is None else (io.BytesIO(content), filename),
                commission_agreement=(io.BytesIO(PDF), "委托协议.pdf"),
                agreement_until="2030-12-31", commission_until="2030-12-31")
    response = holder.post("/arrangements/new", data=data, content_type="multipart/form-data")
    assert_sane(response, "arrangement proposal")
    after = rows(Arrangement, ArrangementFile)
    if created(response, r"/arrangements/\d+"):
        event("saved")
        assert after[0] == before[0] + 1
        # self-manufacture stores no agreement; commissioning stores both
        assert after[1] in (before[1], before[1] + 2)
        assert len(files_on_disk(app) - disk) == after[1] - before[1]
        assert_sane(holder.get(response.location), "the new arrangement's page")
    else:
        event(f"refused {response.status_code}")
        assert after == before, f"refused ({response.status_code}) but rows changed"
        assert files_on_disk(app) == disk, "refused proposal left a file on disk"


# --- public pages -----------------------------------------------------------------------------

@FORMS
@given(q=hostile_text)
@example(q=XSS[0])
def test_registry_search_survives_anything(client: FlaskClient, q: str) -> None:
    response = client.get("/registry?q=" + quote(q, safe=""))
    assert_sane(response, "registry search")
    assert response.status_code == (400 if "\x00" in q else 200)


@FORMS
@given(email=either(st.sampled_from(["holder@demo.devreg", "admin@demo.devreg"])),
       password=maybe(hostile_text), next_page=maybe(hostile_text))
@example(email=XSS[0], password="x", next_page=XSS[1])
def test_login_survives_anything(client: FlaskClient, demo: Any, email: str,
                                 password: str | None, next_page: str | None) -> None:
    token = csrf_token(client, "/login")
    before = rows(User)
    target = "/login" if next_page is None else "/login?next=" + quote(next_page, safe="")
    response = client.post(target, data=form(csrf_token=token, email=email, password=password))
    body = assert_sane(response, "login")
    has_nul = any("\x00" in (v or "") for v in (email, password, next_page))
    assert response.status_code == (400 if has_nul else 200), body[-2000:]  # the form again
    assert rows(User) == before


# --- saved HTML comes back escaped (deterministic: every form saves it at least once) -------

def assert_escaped(client: FlaskClient, page: str, *markers: str) -> None:
    body = assert_sane(client.get(page), page)
    for marker in markers:
        assert str(escape(marker)) in body, f"{page}: {marker!r} is not shown (escaped)"


def test_html_in_an_organisation_comes_back_escaped(admin: FlaskClient) -> None:
    response = admin.post("/admin/organisations/new", data={
        "csrf_token": csrf_token(admin, "/admin/organisations/new"), "name_zh": XSS[0],
        "name_en": XSS[1], "uscc": "91350100M000100Y43", "province_code": "35",
        "address": XSS[2], "is_holder": "y"})
    assert created(response, r"/admin/organisations/\d+"), response.status_code
    assert_escaped(admin, response.location, *XSS)
    assert_escaped(admin, "/admin/organisations/", XSS[0])


def test_html_in_a_user_comes_back_escaped(admin: FlaskClient) -> None:
    response = admin.post("/admin/users/new", data={
        "csrf_token": csrf_token(admin, "/admin/users/new"), "email": "xss@example.com",
        "display_name": XSS[0], "role": "admin", "organisation_id": "0",
        "password": "correct-horse-battery-7"})
    assert created(response, r"/admin/users/\d+"), response.status_code
    assert_escaped(admin, response.location, XSS[0])
    assert_escaped(admin, "/admin/users", XSS[0])


def test_html_in_a_device_and_application_comes_back_escaped(holder: FlaskClient) -> None:
    response = holder.post("/devices/new", data={
        "csrf_token": csrf_token(holder, "/devices/new"), "name": XSS[0], "model_spec": XSS[1],
        "structure": XSS[2], "intended_use": XSS[0], "device_class": "2",
        "category_code": "07"})
    assert created(response, r"/devices/\d+"), response.status_code
    device_page = response.location
    assert_escaped(holder, device_page, *XSS)
    response = holder.post(device_page + "/apply", data={
        "csrf_token": csrf_token(holder, device_page), "production_address": XSS[1]})
    assert created(response, r"/applications/\d+"), response.status_code
    application_page = response.location
    assert_escaped(holder, application_page, XSS[0])
    response = holder.post(application_page + "/files", data={
        "csrf_token": csrf_token(holder, application_page), "chapter": "1",
        # (a name without '"' or '/': the test client cannot send '"' in a file name, and a '/'
        # would make the part before it a directory, which is dropped)
        "file": (io.BytesIO(PDF), XSS[1] + ".pdf")}, content_type="multipart/form-data")
    assert created(response, re.escape(application_page)), response.status_code
    assert_escaped(holder, application_page, XSS[1] + ".pdf")


def test_html_in_an_agreement_name_comes_back_escaped(holder: FlaskClient, demo: Any,
                                                      jiangsu_site: int) -> None:
    device = _device(demo, name=XSS[0])
    response = holder.post("/arrangements/new", data={
        "csrf_token": csrf_token(holder, "/arrangements/new"), "device_id": str(device.id),
        "site_id": str(jiangsu_site), "planned_start": "2026-12-01", "clauses": sorted(CLAUSES),
        "agreement": (io.BytesIO(PDF), XSS[1] + ".pdf"), "agreement_until": "2030-12-31",
        "commission_agreement": (io.BytesIO(PDF), XSS[1] + "委托.pdf"),
        "commission_until": "2030-12-31"}, content_type="multipart/form-data")
    assert created(response, r"/arrangements/\d+"), response.status_code
    assert_escaped(holder, response.location, XSS[0])
