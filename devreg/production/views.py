"""Production licence pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.orgs.queries import organisation_choices
from devreg.permissions import authorize, requires
from devreg.production import bp
from devreg.production.forms import LicenceForm
from devreg.production.queries import get_licence_or_404, licences_visible_to
from devreg.production.services import LicenceData, create_licence, update_licence
from devreg.reference.queries import category_choices


def _prepare(form: LicenceForm) -> None:
    form.organisation_id.choices = organisation_choices(manufacturers_only=True)
    form.scope.choices = category_choices()


def _data(form: LicenceForm) -> LicenceData:
    return LicenceData(number=form.number.data, organisation_id=form.organisation_id.data,
                       valid_until=form.valid_until.data, scope_codes=tuple(form.scope.data))


@bp.route("/licences")
@login_required
def licence_list():
    licences = db.session.scalars(licences_visible_to(current_user)).all()
    return render_template("production/licence_list.html", licences=licences)


@bp.route("/licences/new", methods=["GET", "POST"])
@requires("production.manage_licences")
def licence_create():
    form = LicenceForm()
    _prepare(form)
    if form.validate_on_submit():
        try:
            licence = create_licence(_data(form))
        except DomainError as error:
            db.session.rollback()
            form.number.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Licence %(number)s recorded.", number=licence.number), "success")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
    return render_template("production/licence_form.html", form=form, licence=None)


@bp.route("/licences/<int:licence_id>")
@login_required
def licence_detail(licence_id: int):
    licence = get_licence_or_404(licence_id, current_user)
    authorize(current_user, "production.view_licence", licence)
    return render_template("production/licence_detail.html", licence=licence)


@bp.route("/licences/<int:licence_id>/edit", methods=["GET", "POST"])
@requires("production.manage_licences")
def licence_edit(licence_id: int):
    licence = get_licence_or_404(licence_id, current_user)
    form = LicenceForm(obj=licence)
    _prepare(form)
    if not form.is_submitted():
        form.scope.data = licence.scope_codes
    if form.validate_on_submit():
        try:
            update_licence(licence, _data(form))
        except DomainError as error:
            db.session.rollback()
            form.number.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Licence saved."), "success")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
    return render_template("production/licence_form.html", form=form, licence=licence)
