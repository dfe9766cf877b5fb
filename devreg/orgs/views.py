"""Administration of organisations."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.listing import list_page
from devreg.orgs import bp
from devreg.orgs.forms import OrganisationForm
from devreg.orgs.lists import ORGANISATION_LIST
from devreg.orgs.models import Organisation
from devreg.orgs.queries import get_organisation_or_404
from devreg.orgs.services import (
    OrganisationData,
    create_organisation,
    update_organisation,
    uscc_province_warning,
)
from devreg.permissions import requires
from devreg.reference.queries import province_choices


def _data(form: OrganisationForm) -> OrganisationData:
    return OrganisationData(
        name_zh=form.name_zh.data, name_en=form.name_en.data or None, uscc=form.uscc.data,
        province_code=form.province_code.data, address=form.address.data,
        is_holder=form.is_holder.data, is_manufacturer=form.is_manufacturer.data,
        is_regulator=form.is_regulator.data,
    )


@bp.route("/")
@requires("orgs.manage")
def org_list():
    page = list_page(select(Organisation), ORGANISATION_LIST)
    return render_template("orgs/list.html", organisations=page.items, page=page)


@bp.route("/new", methods=["GET", "POST"])
@requires("orgs.manage")
def org_create():
    form = OrganisationForm()
    form.province_code.choices = province_choices()
    if form.validate_on_submit():
        data = _data(form)
        try:
            org = create_organisation(data)
        except DomainError as error:
            db.session.rollback()
            form.uscc.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Organisation %(name)s registered.", name=org.name), "success")
            warning = uscc_province_warning(data)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("orgs.org_detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, org=None)


@bp.route("/<int:org_id>", methods=["GET", "POST"])
@requires("orgs.manage")
def org_detail(org_id: int):
    org = get_organisation_or_404(org_id)
    form = OrganisationForm(obj=org)
    form.province_code.choices = province_choices()
    if form.validate_on_submit():
        data = _data(form)
        try:
            update_organisation(org, data)
        except DomainError as error:
            db.session.rollback()
            form.uscc.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Organisation saved."), "success")
            warning = uscc_province_warning(data)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("orgs.org_detail", org_id=org.id))
    return render_template("orgs/form.html", form=form, org=org)
