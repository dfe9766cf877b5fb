"""Production licence pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.forms import BaseForm
from devreg.i18n import _
from devreg.listing import list_page
from devreg.orgs.queries import organisation_choices
from devreg.permissions import authorize, can, requires
from devreg.production import bp
from devreg.production.forms import (
    LicenceForm,
    NoCommissionEntryForm,
    RenewalForm,
    ScopeChangeForm,
    ScopeDecisionForm,
    SiteForm,
)
from devreg.production.lists import LICENCE_LIST, SCOPE_CHANGE_LIST
from devreg.production.models import NoCommissionEntry
from devreg.production.queries import (
    get_licence_or_404,
    get_scope_request_or_404,
    licences_visible_to,
    no_commission_entries,
    renewals_of,
    scope_requests_for_licence,
    scope_requests_visible_to,
)
from devreg.production.services import (
    LicenceData,
    add_no_commission_entry,
    add_site,
    create_licence,
    decide_scope_change,
    remove_no_commission_entry,
    renew_licence,
    renewal_window,
    request_scope_change,
    update_licence,
)
from devreg.reference.queries import all_provinces, category_choices
from devreg.security import signature_rate_limit
from devreg.signatures.services import SignatureRefused


def _prepare(form: LicenceForm) -> None:
    form.organisation_id.choices = organisation_choices(manufacturers_only=True)
    form.province_code.choices = [("", "—")] + [(p.code, f"{p.name} ({p.abbreviation})")
                                                for p in all_provinces()]
    form.scope.choices = category_choices()


def _data(form: LicenceForm) -> LicenceData:
    return LicenceData(number=form.number.data, organisation_id=form.organisation_id.data,
                       valid_until=form.valid_until.data, scope_codes=tuple(form.scope.data),
                       province_code=form.province_code.data or None)


@bp.route("/licences")
@login_required
def licence_list():
    page = list_page(licences_visible_to(current_user), LICENCE_LIST)
    return render_template("production/licence_list.html", licences=page.items, page=page)


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
    # visibility (own organisation, the issuing province's reviewers, parties to and
    # supervisors of an arrangement using it) is decided by the query: anything else is 404
    licence = get_licence_or_404(licence_id, current_user)
    return render_template("production/licence_detail.html", licence=licence,
                           **licence_page_context(licence))


@bp.route("/licences/<int:licence_id>/edit", methods=["GET", "POST"])
@requires("production.manage_licences")
def licence_edit(licence_id: int):
    licence = get_licence_or_404(licence_id, current_user)
    form = LicenceForm(obj=licence)
    _prepare(form)
    if not form.is_submitted():
        form.scope.data = licence.scope_codes
    if form.validate_on_submit():
        if form.version.data != str(licence.version):
            flash(_("This licence was changed by someone else while you had the page open. "
                    "Here is its current state; nothing of yours was saved."), "warning")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
        try:
            update_licence(licence, _data(form))
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            flash(_("This licence was changed by someone else at the same moment. Here is its "
                    "current state; nothing of yours was saved."), "warning")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
        except DomainError as error:
            db.session.rollback()
            form.number.errors = [error.message]
        else:
            flash(_("Licence saved."), "success")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
    return render_template("production/licence_form.html", form=form, licence=licence)


def licence_page_context(licence) -> dict:  # type: ignore[no-untyped-def]
    context = {"scope_requests": scope_requests_for_licence(licence, current_user),
               "renewals": renewals_of(licence), "renewal_window": renewal_window(licence)}
    if can(current_user, "production.manage_licences"):
        context["site_form"] = SiteForm()
        context["renewal_form"] = RenewalForm(formdata=None)
    if can(current_user, "production.decide_scope_change", licence):
        context["decision_form"] = ScopeDecisionForm()
    return context


@bp.route("/licences/<int:licence_id>/sites", methods=["POST"])
@requires("production.manage_licences")
def licence_add_site(licence_id: int):
    licence = get_licence_or_404(licence_id, current_user)
    form = SiteForm()
    if form.validate_on_submit():
        try:
            add_site(licence, form.address.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("Production site added."), "success")
    else:
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("production.licence_detail", licence_id=licence.id))


@bp.route("/licences/<int:licence_id>/scope-change", methods=["GET", "POST"])
@login_required
def scope_change_request(licence_id: int):
    licence = get_licence_or_404(licence_id, current_user)
    authorize(current_user, "production.request_scope_change", licence)
    form = ScopeChangeForm()
    form.codes.choices = [(code, label) for code, label in category_choices()
                          if code not in licence.scope_codes]
    if not form.is_submitted() and request.args.get("code") in dict(form.codes.choices):
        form.codes.data = [request.args["code"]]
    if form.validate_on_submit():
        try:
            request_scope_change(licence, actor=current_user, codes=form.codes.data or [],
                                 new_site_address=form.new_site_address.data,
                                 reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            form.reason.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Scope change requested from the licensing province."), "success")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
    return render_template("production/scope_change_form.html", form=form, licence=licence)


@bp.route("/scope-changes")
@login_required
def scope_change_list():
    page = list_page(scope_requests_visible_to(current_user), SCOPE_CHANGE_LIST)
    return render_template("production/scope_change_list.html", requests=page.items, page=page)


@bp.route("/scope-changes/<int:request_id>/decide", methods=["POST"])
@login_required
@signature_rate_limit
def scope_change_decide(request_id: int):
    scope_request = get_scope_request_or_404(request_id, current_user)
    licence = scope_request.licence
    authorize(current_user, "production.decide_scope_change", licence)
    form = ScopeDecisionForm()
    if form.validate_on_submit():
        try:
            decide_scope_change(scope_request, actor=current_user,
                                password=form.signature_password.data,
                                approve=form.decision.data == "approve",
                                reason=form.reason.data or "", today=china_today())
        except SignatureRefused as error:
            db.session.rollback()
            form.signature_password.errors = [error.message]
        except DomainError as error:
            db.session.rollback()
            form.reason.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Scope change decided."), "success")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
    context = licence_page_context(licence)
    context["decision_form"] = form
    return render_template("production/licence_detail.html", licence=licence, **context), 422


@bp.route("/licences/<int:licence_id>/renew", methods=["POST"])
@requires("production.manage_licences")
def licence_renew(licence_id: int):
    """Records the issuing province's renewal (Order 53 Art 17)."""
    licence = get_licence_or_404(licence_id, current_user)
    form = RenewalForm()
    if form.validate_on_submit():
        try:
            renew_licence(licence, actor=current_user, applied_on=form.applied_on.data,
                          approved_on=form.approved_on.data)
        except DomainError as error:
            db.session.rollback()
            form.applied_on.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Licence renewed until %(date)s; the number is kept.",
                    date=licence.valid_until.isoformat()), "success")
            return redirect(url_for("production.licence_detail", licence_id=licence.id))
    licence = get_licence_or_404(licence_id, current_user)
    context = licence_page_context(licence)
    context["renewal_form"] = form
    return render_template("production/licence_detail.html", licence=licence, **context), 422


@bp.route("/no-commission-list", methods=["GET", "POST"])
@login_required
def no_commission_list():
    """The 2022 No. 17 list of devices that may not be commissioned: public to every signed-in
    user, maintained by administrators."""
    form = NoCommissionEntryForm() if can(current_user, "production.manage_licences") else None
    status = 200
    if request.method == "POST":
        authorize(current_user, "production.manage_licences")
        if form.validate_on_submit():  # type: ignore[union-attr]
            try:
                entry = add_no_commission_entry(actor=current_user, code=form.code.data,  # type: ignore[union-attr]
                                                name=form.name.data, keyword=form.keyword.data)  # type: ignore[union-attr]
            except DomainError as error:
                db.session.rollback()
                form.code.errors = [error.message]  # type: ignore[union-attr]
            else:
                db.session.commit()
                flash(_("%(code)s added to the list.", code=entry.code), "success")
                return redirect(url_for("production.no_commission_list"))
        status = 422
    return render_template("production/no_commission_list.html",
                           entries=no_commission_entries(), form=form), status


@bp.route("/no-commission-list/<int:entry_id>/delete", methods=["POST"])
@requires("production.manage_licences")
def no_commission_delete(entry_id: int):
    entry = db.session.get(NoCommissionEntry, entry_id)
    if entry is None:
        abort(404)
    form = BaseForm()
    if form.validate_on_submit():
        code = entry.code
        remove_no_commission_entry(entry, actor=current_user)
        db.session.commit()
        flash(_("%(code)s removed from the list.", code=code), "success")
    return redirect(url_for("production.no_commission_list"))
