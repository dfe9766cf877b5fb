"""Report pages: the company's self-inspection reports, the regulator's overview of who has
filed, and the manufacturer's product report."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from devreg.auth.roles import Role
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.models import Organisation
from devreg.permissions import authorize
from devreg.production.models import ProductionLicence
from devreg.registrations import files
from devreg.reports import bp
from devreg.reports.forms import SelfInspectionForm
from devreg.reports.models import SelfInspectionReport, report_due
from devreg.reports.queries import filing_rows, obliged_in, product_report, reports_of
from devreg.reports.services import file_self_inspection
from devreg.security import signature_rate_limit
from devreg.signatures.services import SignatureRefused


@bp.route("/self-inspection", methods=["GET", "POST"])
@login_required
@signature_rate_limit
def self_inspection():
    authorize(current_user, "reports.file_self_inspection")
    today = china_today()
    form = SelfInspectionForm()
    if not form.is_submitted():
        form.year.data = today.year - 1
    status = 200
    if form.validate_on_submit():
        upload = form.report.data
        has_file = upload is not None and getattr(upload, "filename", "")
        try:
            file_self_inspection(actor=current_user, year=form.year.data,
                                 filename=upload.filename if has_file else None,
                                 stream=upload.stream if has_file else None,
                                 declaration=form.declaration.data,
                                 password=form.signature_password.data, today=today)
        except SignatureRefused as error:
            db.session.rollback()
            form.signature_password.errors = [error.message]
        except DomainError as error:
            db.session.rollback()
            form.year.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Self-inspection report for %(year)d filed.", year=form.year.data),
                  "success")
            return redirect(url_for("reports.self_inspection"))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("reports/self_inspection.html", form=form,
                           reports=reports_of(current_user.organisation_id),
                           due=report_due(today.year - 1)), status


def _may_read(report: SelfInspectionReport) -> bool:
    if current_user.role in (Role.HOLDER, Role.MANUFACTURER):
        return report.organisation_id == current_user.organisation_id
    if current_user.role == Role.REVIEWER:
        return report.organisation in obliged_in(current_user.jurisdiction)
    return False


@bp.route("/self-inspection/<int:report_id>/file")
@login_required
def self_inspection_file(report_id: int):
    report = db.session.get(SelfInspectionReport, report_id)
    if report is None or not _may_read(report) or not files.path_of(
            report.stored_name).is_file():
        abort(404)
    return send_file(files.path_of(report.stored_name), mimetype=report.content_type,
                     as_attachment=True, download_name=report.original_name)


@bp.route("/self-inspection/overview")
@login_required
def self_inspection_overview():
    """Who in the reviewer's province has filed the report on a year, and who is late."""
    authorize(current_user, "reports.overview")
    today = china_today()
    year = request.args.get("year", type=int) or today.year - 1
    rows = filing_rows(current_user.jurisdiction, year, today)
    return render_template("reports/overview.html", rows=rows, year=year,
                           due=report_due(year), today=today)


@bp.route("/products")
@login_required
def products():
    """Order 53 Art 42: the product report of each manufacturer (the user's own, or, for a
    reviewer, every manufacturer its province licenses)."""
    authorize(current_user, "reports.product_report", None)
    if current_user.role == Role.REVIEWER:
        licensed = select(ProductionLicence.organisation_id).where(
            ProductionLicence.province_code == current_user.jurisdiction)
        makers = list(db.session.scalars(select(Organisation).where(
            Organisation.id.in_(licensed)).order_by(Organisation.name_zh)))
    elif current_user.role in (Role.HOLDER, Role.MANUFACTURER) and \
            current_user.organisation.is_manufacturer:
        makers = [current_user.organisation]
    else:
        abort(403)
    return render_template("reports/products.html",
                           reports=[(m, product_report(m)) for m in makers])
