"""Organisations, licences and users from files: checked by row and column, then written by
the domains' own services."""

from __future__ import annotations

from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.auth.passwords import verify_password
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence
from devreg.transfer.services import run_import
from tests.foundation.helpers import make_uscc
from tests.transfer.helpers import csv_bytes, header, row_of, xlsx_bytes

HOLDER = make_uscc("91130100MA0AAA001")
MAKER = make_uscc("91130200MA0BBB002")


def _run(kind: str, rows, *, dry_run=False, xlsx=False):  # type: ignore[no-untyped-def]
    table = [header(kind), *rows]
    data = xlsx_bytes(table) if xlsx else csv_bytes(table)
    with acting_as(None, "test-import"):
        report = run_import(kind, f"{kind}.{'xlsx' if xlsx else 'csv'}", data, actor_id=None,
                            dry_run=dry_run)
    db.session.commit()
    return report


def _orgs():  # type: ignore[no-untyped-def]
    return [row_of("organisations", uscc=HOLDER, name_zh="甲公司", roles="注册人"),
            row_of("organisations", uscc=MAKER, name_zh="乙公司", province="Hebei",
                   roles="受托生产企业")]


def test_organisations_import_from_xlsx_with_roles_and_provinces():
    report = _run("organisations", _orgs(), xlsx=True)
    assert report.written and report.count("new") == 2
    orgs = {o.uscc: o for o in db.session.scalars(select(Organisation))}
    assert orgs[HOLDER].is_holder and not orgs[HOLDER].is_manufacturer
    assert orgs[MAKER].is_manufacturer and orgs[MAKER].province_code == "13"
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.subject_type == "Organisation")))
    assert actions == {"imported"}


def test_organisation_errors_by_row_and_column():
    report = _run("organisations", [
        row_of("organisations", uscc=HOLDER[:-1] + ("0" if HOLDER[-1] != "0" else "1")),
        row_of("organisations", uscc=MAKER, province="火星省"),
        row_of("organisations", uscc=make_uscc("91130300MA0CCC003"), roles="供应商"),
        row_of("organisations", uscc=MAKER, name_zh="重复"),
    ], dry_run=True)
    assert "check the last character" in report.rows[0].errors["uscc"]
    assert report.rows[1].errors == {"province": "Unknown province."}
    assert "Unknown role" in report.rows[2].errors["roles"]
    assert "row 3" in report.rows[3].errors["uscc"]


def test_organisation_already_registered_is_a_duplicate_against_the_database():
    _run("organisations", _orgs())
    report = _run("organisations", [row_of("organisations", uscc=HOLDER, name_zh="别名")])
    assert "already imported" in report.rows[0].errors["uscc"].lower()


def test_organisations_twice_changes_nothing():
    _run("organisations", _orgs())
    again = _run("organisations", _orgs())
    assert again.ok and again.count("unchanged") == 2
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_licence_import_with_sites_and_scope_and_number_province_check():
    _run("organisations", _orgs())
    report = _run("licences", [
        row_of("licences", organisation_uscc=MAKER, sites="石家庄 1 号;石家庄 2 号"),
        row_of("licences", number="苏药监械生产许20190002号", organisation_uscc=MAKER),
        row_of("licences", number="冀药监械生产许20190003号", organisation_uscc=HOLDER),
        row_of("licences", number="冀药监械生产许2019003号", organisation_uscc=MAKER),
    ], dry_run=True)
    assert report.rows[0].errors == {}
    assert "abbreviation" in report.rows[1].errors["number"]
    assert "not a manufacturer" in report.rows[2].errors["organisation_uscc"]
    assert "official format" in report.rows[3].errors["number"]
    ok = _run("licences", [row_of("licences", organisation_uscc=MAKER,
                                  sites="石家庄 1 号;石家庄 2 号")])
    assert ok.written, ok.error_lines()
    licence = db.session.scalar(select(ProductionLicence))
    assert [s.address for s in licence.sites] == ["石家庄 1 号", "石家庄 2 号"]
    assert licence.scope_codes == ["07", "14"] and licence.province_code == "13"


def test_users_get_a_one_time_password_they_must_change():
    _run("organisations", _orgs())
    report = _run("users", [row_of("users", organisation_uscc=HOLDER, email="a@example.cn")])
    assert report.written, report.error_lines()
    user = db.session.scalar(select(User).where(User.email == "a@example.cn"))
    assert user.must_change_password and user.role == "holder"
    secret = report.rows[0].secret
    assert len(secret) >= 12 and verify_password(user.password_hash, secret)


def test_user_role_must_fit_the_organisation_and_duties_only_for_reviewers():
    _run("organisations", _orgs())
    report = _run("users", [
        row_of("users", organisation_uscc=MAKER, email="b@example.cn", role="注册人"),
        row_of("users", organisation_uscc=HOLDER, email="c@example.cn", duties="审评"),
    ], dry_run=True)
    assert "does not fit" in report.rows[0].errors["role"]
    assert "Only reviewers" in report.rows[1].errors["duties"]
