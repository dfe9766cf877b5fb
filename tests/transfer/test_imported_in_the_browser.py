"""A holder renews an imported certificate through the web pages, as a native one."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from devreg.audit.services import acting_as
from devreg.certificates.models import Certificate
from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations.models import Application
from devreg.transfer.services import run_import
from tests.conftest import login, post
from tests.transfer.helpers import certificate_row, csv_bytes, header


def _imported(demo, ago: relativedelta) -> Certificate:  # type: ignore[no-untyped-def]
    approved = china_today() - ago
    until = approved + relativedelta(years=5) - relativedelta(days=1)
    number = f"冀械注准{approved.year}2070199"
    row = certificate_row(demo.org("holder_hebei").uscc, number=number,
                          first_year=str(approved.year), approved_on=approved.isoformat(),
                          valid_from=approved.isoformat(), valid_until=until.isoformat(),
                          change_history=f"{(approved + relativedelta(days=10)).isoformat()} "
                                         "变更注册：增加型号 BP-300")
    with acting_as(None, "test"):
        report = run_import("certificates", "hebei.csv", csv_bytes([header("certificates"), row]),
                            actor_id=None, dry_run=False)
    assert report.written, report.error_lines()
    db.session.commit()
    return db.session.scalar(select(Certificate))


def test_holder_sees_the_imported_certificate_with_its_history(client, demo):
    certificate = _imported(demo, relativedelta(years=4))
    login(client, "holder")
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert certificate.number in page
    assert "Issued before go-live (imported)" in page and "增加型号 BP-300" in page


def test_holder_applies_to_renew_an_imported_certificate_in_the_browser(client, demo):
    certificate = _imported(demo, relativedelta(years=4))
    login(client, "holder")
    path = f"/certificates/{certificate.id}/apply/renewal"
    assert client.get(path).status_code == 200
    response = post(client, path, {"change_description": "注册证有效期届满延续"},
                    token_from=path)
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    application = db.session.scalar(select(Application))
    assert application.kind == "renewal" and application.certificate_id == certificate.id


def test_renewal_too_late_for_an_imported_certificate_is_refused_in_the_browser(client, demo):
    # four years and eight months ago: less than six months of validity left
    certificate = _imported(demo, relativedelta(years=4, months=8))
    login(client, "holder")
    path = f"/certificates/{certificate.id}/apply/renewal"
    page = post(client, path, {"change_description": "延续"}, token_from=path)
    assert page.status_code == 200 and "six months" in page.get_data(as_text=True)
    assert db.session.scalar(select(Application)) is None
