"""Exports: the page's rows with its filters, for what the visitor may see and nothing more;
CSV in UTF-8 with a BOM, XLSX readable by openpyxl; spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from devreg.audit.services import acting_as
from devreg.extensions import db
from devreg.transfer.services import run_import
from tests.conftest import login
from tests.transfer.helpers import certificate_row, csv_bytes, header

HEBEI = "冀械注准20262070137"
HEBEI_CANCELLED = "冀械注准20262070140"
BEIJING = "京械注准20262070001"


@pytest.fixture
def certificates(demo):  # type: ignore[no-untyped-def]
    hebei, beijing = demo.org("holder_hebei").uscc, demo.org("holder_beijing").uscc
    rows = [certificate_row(hebei),
            certificate_row(hebei, number=HEBEI_CANCELLED, status="注销", ended_on="2026-02-01",
                            device_name="+cmd|' /C calc'!A0"),
            certificate_row(beijing, number=BEIJING, production_address="北京市朝阳区 1 号")]
    with acting_as(None, "test"):
        report = run_import("certificates", "c.csv", csv_bytes([header("certificates"), *rows]),
                            actor_id=None, dry_run=False)
    assert report.written, report.error_lines()
    db.session.commit()


def _csv(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    data = response.get_data()
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _numbers(rows) -> set[str]:  # type: ignore[no-untyped-def]
    return {row[0] for row in rows[1:]}


def test_holder_exports_only_its_own_certificates(client, certificates):
    login(client, "holder")
    assert _numbers(_csv(client, "/export/certificates.csv")) == {HEBEI, HEBEI_CANCELLED}


def test_other_holder_exports_only_its_own(client, certificates):
    login(client, "holder.bj")
    assert _numbers(_csv(client, "/export/certificates.csv")) == {BEIJING}


def test_reviewer_exports_its_province(client, certificates):
    login(client, "reviewer.bj")
    assert _numbers(_csv(client, "/export/certificates.csv")) == {BEIJING}


def test_export_applies_the_page_filters(client, certificates):
    login(client, "holder")
    assert _numbers(_csv(client, "/export/certificates.csv?status=cancelled")) == {
        HEBEI_CANCELLED}
    assert _numbers(_csv(client, "/export/certificates.csv?q=20262070137")) == {HEBEI}


def test_public_registry_export_with_its_filters(client, certificates):
    assert _numbers(_csv(client, "/registry.csv")) == {HEBEI, HEBEI_CANCELLED, BEIJING}
    assert _numbers(_csv(client, "/registry.csv?province=11")) == {BEIJING}


def test_export_matches_the_page_rows(client, certificates):
    login(client, "holder")
    page = client.get("/certificates?status=valid").get_data(as_text=True)
    exported = _numbers(_csv(client, "/export/certificates.csv?status=valid"))
    assert exported == {HEBEI} and HEBEI in page and HEBEI_CANCELLED not in page


def test_formulas_are_neutralised_in_exports(client, certificates):
    rows = _csv(client, "/registry.csv?status=cancelled")
    assert rows[1][2].startswith("'+")


def test_xlsx_export_is_a_workbook_with_the_same_rows(client, certificates):
    login(client, "holder")
    response = client.get("/export/certificates.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert numbers == {HEBEI, HEBEI_CANCELLED}


def test_export_headers_are_in_the_readers_language(client, certificates):
    rows = _csv(client, "/registry.csv")
    assert rows[0][0] == "Registration number"
    zh = client.get("/registry.csv", headers={"Accept-Language": "zh-CN"})
    assert zh.get_data().decode("utf-8-sig").startswith("注册证编号") or \
        "编号" in zh.get_data().decode("utf-8-sig").splitlines()[0]


def test_organisations_export_is_for_admins_only(app, client, certificates):
    login(client, "holder")
    assert client.get("/export/organisations.csv").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert len(_csv(admin, "/export/organisations.csv")) > 3


def test_list_pages_link_to_their_exports_with_the_filters(client, certificates):
    login(client, "holder")
    page = client.get("/certificates?status=valid").get_data(as_text=True)
    assert "/export/certificates.csv?status=valid" in page
    assert "/export/certificates.xlsx?status=valid" in page


def test_anonymous_export_of_a_private_list_goes_to_sign_in(client, certificates):
    response = client.get("/export/certificates.csv")
    assert response.status_code == 302 and "/login" in response.location


def test_a_large_export_streams_from_a_temporary_file(client, certificates, monkeypatch):
    """Past SPOOL_BYTES the export is written to disk row by row and streamed in chunks."""
    monkeypatch.setattr("devreg.transfer.exports.SPOOL_BYTES", 64)
    response = client.get("/registry.csv")
    assert response.status_code == 200 and "Content-Length" not in response.headers
    data = response.get_data()
    response.close()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert _numbers(rows) == {HEBEI, HEBEI_CANCELLED, BEIJING}
