"""Holder pages: devices, new applications, dossier uploads, submission; the application page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.listing import list_page
from devreg.permissions import authorize
from devreg.reference.queries import category_choices
from devreg.registrations import bp, files
from devreg.registrations import services as svc
from devreg.registrations.clock_pages import clocks_for
from devreg.registrations.device_lists import DEVICE_LIST
from devreg.registrations.forms import DeviceForm, InitialApplicationForm
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.lists import ROW_LOADING, application_list_spec
from devreg.registrations.pages import render_application, run_action
from devreg.registrations.queries import (
    applications_visible_to,
    devices_visible_to,
    get_application_or_404,
    get_device_or_404,
    get_file_or_404,
)
from devreg.security import signature_rate_limit


def _device_data(form: DeviceForm) -> svc.DeviceData:
    return svc.DeviceData(
        name=form.name.data, model_spec=form.model_spec.data, structure=form.structure.data,
        intended_use=form.intended_use.data, device_class=form.device_class.data,
        category_code=form.category_code.data, is_ivd_reagent=form.is_ivd_reagent.data,
        technical_requirements=form.technical_requirements.data or "")


@bp.route("/devices")
@login_required
def device_list():
    authorize(current_user, "registrations.manage_devices")
    page = list_page(devices_visible_to(current_user), DEVICE_LIST)
    return render_template("registrations/device_list.html", devices=page.items, page=page)


@bp.route("/devices/new", methods=["GET", "POST"])
@login_required
def device_create():
    authorize(current_user, "registrations.manage_devices")
    form = DeviceForm()
    form.category_code.choices = category_choices()
    if form.validate_on_submit():
        try:
            device = svc.create_device(_device_data(form),
                                       holder_org_id=current_user.organisation_id)
        except DomainError as error:
            db.session.rollback()
            form.device_class.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Device saved."), "success")
            return redirect(url_for("registrations.device_detail", device_id=device.id))
    return render_template("registrations/device_form.html", form=form, device=None)


@bp.route("/devices/<int:device_id>", methods=["GET", "POST"])
@login_required
def device_detail(device_id: int):
    device = get_device_or_404(device_id, current_user)
    authorize(current_user, "registrations.manage_devices", device)
    form = DeviceForm(obj=device)
    form.category_code.choices = category_choices()
    if request.method == "GET":
        form.device_class.data = "2"
    if form.validate_on_submit():
        try:
            svc.update_device(device, _device_data(form))
        except DomainError as error:
            db.session.rollback()
            form.device_class.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Device saved."), "success")
            return redirect(url_for("registrations.device_detail", device_id=device.id))
    applications = db.session.scalars(applications_visible_to(current_user).where(
        svc.Application.device_id == device.id)).all()
    return render_template("registrations/device_form.html", form=form, device=device,
                           applications=applications, apply_form=InitialApplicationForm())


@bp.route("/devices/<int:device_id>/apply", methods=["POST"])
@login_required
def application_create(device_id: int):
    device = get_device_or_404(device_id, current_user)
    authorize(current_user, "registrations.create_application", device)
    form = InitialApplicationForm()
    status = 400
    if form.validate_on_submit():
        try:
            application = svc.create_application(
                ApplicationKind.INITIAL, device, actor=current_user, today=china_today(),
                production_address=form.production_address.data)
        except DomainError as error:
            db.session.rollback()
            form.production_address.errors = [error.message]
            status = 422
        else:
            db.session.commit()
            flash(_("Draft application created. Upload the dossier, then submit."), "success")
            return redirect(url_for("registrations.application_detail",
                                    application_id=application.id))
    # the device page again, with the message next to what was typed (a redirect would lose it)
    device_form = DeviceForm(obj=device, formdata=None)
    device_form.category_code.choices = category_choices()
    device_form.device_class.data = "2"
    applications = db.session.scalars(applications_visible_to(current_user).where(
        svc.Application.device_id == device.id)).all()
    return render_template("registrations/device_form.html", form=device_form, device=device,
                           applications=applications, apply_form=form), status


@bp.route("/applications")
@login_required
def application_list():
    authorize(current_user, "registrations.view_list")
    today = china_today()
    page = list_page(applications_visible_to(current_user).options(*ROW_LOADING),
                     application_list_spec(current_user, today))
    rows = clocks_for(page.items, today)  # calendars and limits once per page
    return render_template("registrations/application_list.html", rows=rows, page=page)


@bp.route("/applications/<int:application_id>")
@login_required
def application_detail(application_id: int):
    return render_application(get_application_or_404(application_id, current_user))


@bp.route("/applications/<int:application_id>/files", methods=["POST"])
@login_required
def upload(application_id: int):
    application = get_application_or_404(application_id, current_user)
    authorize(current_user, "registrations.edit", application)

    def action(form):  # type: ignore[no-untyped-def]
        svc.add_dossier_file(application, form.chapter.data, filename=form.file.data.filename,
                             stream=form.file.data.stream, actor=current_user)

    return run_action(application, "upload", action, _("File uploaded."))


@bp.route("/applications/<int:application_id>/files/<int:file_id>/remove", methods=["POST"])
@login_required
def remove_file(application_id: int, file_id: int):
    application = get_application_or_404(application_id, current_user)
    authorize(current_user, "registrations.edit", application)
    record = get_file_or_404(application, file_id)
    return run_action(application, "remove_file",
                      lambda form: svc.remove_dossier_file(application, record.id,
                                                           actor=current_user),
                      _("File removed from the dossier; the chapter needs a new upload."))


@bp.route("/applications/<int:application_id>/files/<int:file_id>")
@login_required
def download(application_id: int, file_id: int):
    application = get_application_or_404(application_id, current_user)
    record = get_file_or_404(application, file_id)
    # PDF and images open in the browser, everything else downloads (issue 13 item 5)
    return files.serve(record.stored_name, size=record.size, download_name=record.original_name)


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@login_required
@signature_rate_limit
def submit(application_id: int):
    application = get_application_or_404(application_id, current_user)

    def action(form):  # type: ignore[no-untyped-def]
        svc.submit_application(application, actor=current_user,
                               password=form.signature_password.data,
                               declaration=form.declaration.data, today=china_today())

    return run_action(application, "submit", action, _("Application submitted and signed."))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@login_required
def withdraw(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "withdraw",
                      lambda form: svc.withdraw_application(application, actor=current_user,
                                                            today=china_today(),
                                                            reason=form.reason.data or ""),
                      _("Application withdrawn."))


@bp.route("/applications/<int:application_id>/stream", methods=["POST"])
@login_required
def request_stream(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "stream", lambda form: svc.request_stream(
        application, actor=current_user, stream=form.stream.data, reason=form.reason.data),
        _("Review stream requested; it is decided at acceptance."))


@bp.route("/applications/<int:application_id>/objection", methods=["POST"])
@login_required
@signature_rate_limit
def object_to_opinion(application_id: int):
    application = get_application_or_404(application_id, current_user)
    return run_action(application, "object", lambda form: svc.object_to_opinion(
        application, actor=current_user, password=form.signature_password.data,
        text=form.text.data, today=china_today()),
        _("Objection sent; the clock is paused while it is handled."))


@bp.route("/applications/<int:application_id>/supplement-answer", methods=["POST"])
@login_required
@signature_rate_limit
def answer_supplement(application_id: int):
    application = get_application_or_404(application_id, current_user)

    def action(form):  # type: ignore[no-untyped-def]
        svc.answer_supplement(application, actor=current_user,
                              password=form.signature_password.data, answer=form.answer.data,
                              today=china_today())

    return run_action(application, "answer", action,
                      _("Supplement submitted; the review clock restarts."))
