"""Reading reports: who must file in a province, who has, who is late; the product report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.production.models import ProductionLicence
from devreg.reports.models import SelfInspectionReport, report_due


@dataclass(frozen=True)
class FilingRow:
    organisation: Organisation
    report: SelfInspectionReport | None
    late: bool  # not filed after the due date, or filed after it


def obliged_in(province_code: str) -> list[Organisation]:
    """Order 53 Art 45: holders and manufacturers report to their province. Interpretation: a
    holder registered in the province, or a company holding a licence the province issued."""
    licensed = select(ProductionLicence.organisation_id).where(
        ProductionLicence.province_code == province_code)
    return list(db.session.scalars(select(Organisation).where(
        Organisation.is_regulator.is_(False),
        or_(Organisation.is_holder & (Organisation.province_code == province_code),
            Organisation.id.in_(licensed))).order_by(Organisation.name_zh)))


def filing_rows(province_code: str, year: int, today: date) -> list[FilingRow]:
    organisations = obliged_in(province_code)
    reports = {r.organisation_id: r for r in db.session.scalars(select(SelfInspectionReport)
               .where(SelfInspectionReport.year == year,
                      SelfInspectionReport.organisation_id.in_([o.id for o in organisations])))}
    due = report_due(year)
    rows = []
    for org in organisations:
        report = reports.get(org.id)
        late = report.is_late if report is not None else today > due
        rows.append(FilingRow(org, report, late))
    return rows


def late_count(province_code: str, today: date) -> int:
    """Who has not filed last year's report after 31 March (shown on the reviewer's home)."""
    year = today.year - 1
    return sum(1 for row in filing_rows(province_code, year, today)
               if row.report is None and row.late)


def reports_of(organisation_id: int) -> list[SelfInspectionReport]:
    return list(db.session.scalars(select(SelfInspectionReport).where(
        SelfInspectionReport.organisation_id == organisation_id)
        .order_by(SelfInspectionReport.year.desc())))


def product_report(organisation: Organisation) -> list:  # type: ignore[type-arg]
    """Order 53 Art 42: each product the manufacturer makes, with the holder and the term for
    commissioned work; kept current by the arrangements (confirmed, active or suspended)."""
    from devreg.arrangements.models import Arrangement
    from devreg.arrangements.states import ArrangementState as A

    return list(db.session.scalars(select(Arrangement).where(
        Arrangement.manufacturer_org_id == organisation.id,
        Arrangement.state.in_([A.CONFIRMED.value, A.ACTIVE.value, A.SUSPENDED.value]))
        .order_by(Arrangement.id)))
