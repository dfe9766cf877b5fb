"""Reports the law requires (issue 10 item 4): the yearly self-inspection report (Order 53
Art 45) with the regulator's late list, the manufacturer's product report (Art 42) kept current
by the arrangements, the Art 68 notice, and the holder's 2024-38 §16 report."""

from __future__ import annotations

import html
import io
from datetime import date

import pytest
from sqlalchemy import select

from devreg.arrangements import services as svc
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.reports.models import SelfInspectionReport
from devreg.reports.queries import filing_rows, late_count
from devreg.reports.services import file_self_inspection
from devreg.signatures.models import Signature
from tests.arrangements.builders import PASSWORD, A, World, count, notices
from tests.conftest import post
from tests.registrations.helpers import PDF


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def _file(client, year: int, **changes):  # type: ignore[no-untyped-def]
    data = {"year": str(year), "report": (io.BytesIO(PDF), "自查报告.pdf"),
            "declaration": "y", "signature_password": PASSWORD, **changes}
    return post(client, "/reports/self-inspection", data, token_from="/reports/self-inspection",
                content_type="multipart/form-data")


def test_holders_and_manufacturers_file_with_a_file_and_a_signed_declaration(
        world: World) -> None:
    """Why: no yearly self-inspection reports existed (Order 53 Art 45)."""
    year = china_today().year - 1
    holder = world.client("holder")
    assert 'data-testid="self-inspection-due"' in _text(holder.get("/home"))
    # no declaration, no file, a wrong password: nothing is filed, the form keeps the year
    for changes, message in (({"declaration": ""}, "Confirm the declaration."),
                             ({"report": None}, "Upload the self-inspection report."),
                             ({"signature_password": "x"}, "password is not correct")):
        data = {k: v for k, v in changes.items() if v is not None}
        response = _file(holder, year, **data) if changes.get("report", 1) is not None else \
            post(holder, "/reports/self-inspection", {"year": str(year), "declaration": "y",
                                                      "signature_password": PASSWORD},
                 token_from="/reports/self-inspection", content_type="multipart/form-data")
        assert response.status_code == 422, message
        assert message in _text(response)
        assert f'value="{year}"' in response.get_data(as_text=True)
    assert count(SelfInspectionReport) == 0
    assert _file(holder, year).status_code == 302
    report = db.session.scalar(select(SelfInspectionReport))
    assert (report.year, report.organisation_id) == (year, world.user("holder").organisation_id)
    signature = db.session.scalar(select(Signature).where(
        Signature.subject_type == "SelfInspectionReport"))
    assert signature.meaning == "declared"
    assert 'data-testid="self-inspection-due"' not in _text(holder.get("/home"))
    # once a year
    again = _file(holder, year)
    assert again.status_code == 422 and f"The report for {year} is already filed." in _text(again)
    # the manufacturer files its own
    assert _file(world.client("manufacturer"), year).status_code == 302
    # a regulator cannot file
    assert world.client("reviewer").get("/reports/self-inspection").status_code == 403


def test_the_regulator_sees_who_filed_and_who_is_late_after_31_march(world: World) -> None:
    year = 2025
    holder = world.user("holder")
    file_self_inspection(actor=holder, year=year, filename="r.pdf", stream=io.BytesIO(PDF),
                         declaration=True, password=PASSWORD, today=date(2026, 3, 20))
    db.session.commit()
    # before the due date nobody is late
    before = {row.organisation.id: row for row in filing_rows("13", year, date(2026, 3, 31))}
    assert not any(row.late for row in before.values())
    after = {row.organisation.id: row for row in filing_rows("13", year, date(2026, 4, 1))}
    assert after[holder.organisation_id].report is not None
    assert not after[holder.organisation_id].late
    late = [row for row in after.values() if row.report is None]
    assert late and all(row.late for row in late)  # e.g. the Hebei manufacturer
    assert late_count("13", date(2026, 4, 1)) == len(late)
    # Jiangsu's list holds the Jiangsu manufacturer (its licence), not the Hebei holder
    jiangsu = {row.organisation.id for row in filing_rows("32", year, date(2026, 4, 1))}
    assert world.js_licence.organisation_id in jiangsu
    assert holder.organisation_id not in jiangsu
    page = _text(world.client("reviewer").get(f"/reports/self-inspection/overview?year={year}"))
    assert holder.organisation.name_en in page or holder.organisation.name_zh in page
    assert 'data-testid="late"' in page
    assert world.client("holder").get("/reports/self-inspection/overview").status_code == 403


def test_the_reviewers_home_counts_late_reports(world: World) -> None:
    if china_today() <= date(china_today().year, 3, 31):
        pytest.skip("the count shows only after 31 March")  # pragma: no cover
    page = _text(world.client("reviewer").get("/home"))
    assert 'data-testid="self-inspection-late"' in page
    assert f"not filed after 31 March: {late_count('13', china_today())}" in page


def test_a_report_must_cover_a_past_year(world: World) -> None:
    with pytest.raises(DomainError, match="past year"):
        file_self_inspection(actor=world.user("holder"), year=china_today().year,
                             filename="r.pdf", stream=io.BytesIO(PDF), declaration=True,
                             password=PASSWORD, today=china_today())


def test_the_product_report_follows_the_arrangements(world: World) -> None:
    """Why: the manufacturer's product report (Art 42) was not modelled."""
    active = world.arrangement_in(A.ACTIVE)
    proposed = world.arrangement_in(A.PROPOSED)
    maker = world.client("manufacturer")
    page = _text(maker.get("/reports/products"))
    report = page.split('data-testid="product-report"')[1].split("</table>")[0]
    assert active.device.name in report and world.js_site.address in report
    assert "Hebei" in report  # the holder's province
    assert report.count("<tr>") - 1 == 1  # the proposal is not made yet
    svc.end(active, actor=world.user("holder"), end_date=china_today(), reason="合同终止")
    db.session.commit()
    report = _text(maker.get("/reports/products")).split('data-testid="product-report"')[1]
    assert active.device.name not in report.split("</table>")[0]
    assert proposed.id
    # the Jiangsu regulator reads the report of the manufacturer it licenses
    assert world.js_licence.organisation.name_en in _text(
        world.client("reviewer.js").get("/reports/products"))


def test_a_cross_province_addition_notifies_the_holders_province(world: World) -> None:
    """Why: no notice told the holder's province (Order 53 Art 68)."""
    device = world.device_in_application()
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)
    assert notices("product_added") == [("13", arrangement.id, "product_added")]
    same = world.propose(world.device_in_application(name="体温计"), world.hb_site)
    world.confirm(same)
    assert notices("product_added") == [("13", arrangement.id, "product_added")]


def test_changing_manufacturer_lands_in_the_holders_queue_as_inspection_due(
        world: World) -> None:
    """Why: the holder's report on changing manufacturer (2024-38 §16) did not exist."""
    device = world.device_in_application()
    first = world.propose(device, world.hb_site)
    world.confirm(first)
    assert notices("inspection_due") == []  # the first manufacturer: no change
    second = world.propose(device, world.js_site)
    world.confirm(second)
    assert notices("inspection_due") == [("13", second.id, "inspection_due")]
    queue = _text(world.client("reviewer").get("/supervision"))
    block = queue.split('data-testid="inspections-due"')[1].split("</ul>")[0]
    assert f"#{second.id}" in block
    js_block = _text(world.client("reviewer.js").get("/supervision")).split(
        'data-testid="inspections-due"')[1].split("</ul>")[0]
    assert f"#{second.id}" not in js_block
