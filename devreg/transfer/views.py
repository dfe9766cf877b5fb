"""The administrator's import pages, the serial counter setting and the list exports."""

from __future__ import annotations

import io
from datetime import datetime

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from devreg.extensions import db, login_manager
from devreg.i18n import _
from devreg.permissions import requires
from devreg.transfer import (
    bp,
    models,  # noqa: F401  (the tables are part of the schema)
)
from devreg.transfer.columns import KIND_TITLES, KINDS

#: list endpoint -> export name: the list macro shows the download links for these
EXPORT_OF_ENDPOINT = {
    "certificates.certificate_list": "certificates",
    "certificates.registry": "registry",
    "registrations.application_list": "applications",
    "review.queue": "queue",
    "registrations.device_list": "devices",
    "arrangements.arrangement_list": "arrangements",
    "arrangements.supervision": "supervision",
    "production.licence_list": "licences",
    "production.scope_change_list": "scope-changes",
    "orgs.org_list": "organisations",
    "auth.user_list": "users",
}
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: an uploaded file waits this long for its confirmation
CONFIRM_MAX_AGE = 3600


@bp.app_template_global()
def export_name(endpoint: str) -> str | None:
    return EXPORT_OF_ENDPOINT.get(endpoint)


# --- exports ----------------------------------------------------------------------------------

@bp.route("/export/<any({}):name>.<fmt>".format(
    ", ".join(f"'{name}'" for name in sorted(set(EXPORT_OF_ENDPOINT.values())))))
def export(name: str, fmt: str):  # type: ignore[no-untyped-def]
    from werkzeug.wsgi import wrap_file

    from devreg.transfer.exports import export_file, exports

    if fmt not in FORMATS or name not in exports():
        abort(404)
    spec = exports()[name]
    if spec.allowed is not None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not spec.allowed(current_user):
            abort(403)
    handle = export_file(spec, current_user, request.args, fmt)
    stamp = datetime.now().strftime("%Y%m%d-%H%M")  # noqa: DTZ005 - a file name only
    if getattr(handle, "_rolled", True):  # on disk: streamed in chunks, closed when sent
        response = Response(wrap_file(request.environ, handle), mimetype=FORMATS[fmt],
                            direct_passthrough=True)
    else:  # small enough to have stayed in memory (SPOOL_BYTES)
        with handle:
            response = Response(handle.read(), mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/registry.<fmt>")
def registry_export(fmt: str):  # type: ignore[no-untyped-def]
    return export("registry", fmt)


@bp.route("/applications.<fmt>")
def applications_export(fmt: str):  # type: ignore[no-untyped-def]
    return export("applications", fmt)


# --- imports ----------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    from flask import current_app

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="devreg-import")


@bp.route("/admin/import/template/<kind>.xlsx")
@requires("transfer.import")
def import_template(kind: str):  # type: ignore[no-untyped-def]
    from devreg.transfer.templates import template_xlsx

    if kind not in KINDS:
        abort(404)
    response = Response(template_xlsx(kind), mimetype=FORMATS["xlsx"])
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response


@bp.route("/admin/import", methods=["GET", "POST"])
@requires("transfer.import")
def import_upload():  # type: ignore[no-untyped-def]
    """Upload a file: the dry run's report, failing cells highlighted, and a confirm button
    when every row is clean."""
    from devreg.storage import storage
    from devreg.transfer.forms import ImportForm
    from devreg.transfer.services import run_import

    form = ImportForm()
    form.kind.choices = [(k, str(KIND_TITLES[k])) for k in KINDS]
    if not form.validate_on_submit():
        return render_template("transfer/import.html", form=form, report=None, token=None)
    upload = form.file.data
    data = upload.read()
    filename = (upload.filename or "upload").replace("/", "_")[-200:]
    report = run_import(form.kind.data, filename, data, actor_id=current_user.id,
                        dry_run=True)
    db.session.rollback()
    token = None
    if report.ok and report.count("new"):
        import hashlib

        key = f"imports/{hashlib.sha256(data).hexdigest()}"
        storage().put(key, io.BytesIO(data))
        token = _serializer().dumps({"key": key, "kind": form.kind.data, "name": filename})
    return render_template("transfer/import.html", form=form, report=report, token=token)


@bp.route("/admin/import/confirm", methods=["POST"])
@requires("transfer.import")
def import_confirm():  # type: ignore[no-untyped-def]
    from devreg.audit.services import acting_as
    from devreg.storage import storage
    from devreg.transfer.forms import ConfirmForm
    from devreg.transfer.services import ImportFailed, run_import

    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ticket = _serializer().loads(form.token.data, max_age=CONFIRM_MAX_AGE)
        with storage().open(ticket["key"]) as handle:
            data = handle.read()
    except (BadSignature, FileNotFoundError, KeyError, TypeError):
        flash(_("This upload has expired: upload the file again."), "danger")
        return redirect(url_for("transfer.import_upload"))
    try:
        with acting_as(current_user.id, current_user.email):
            report = run_import(ticket["kind"], ticket["name"], data,
                                actor_id=current_user.id, dry_run=False)
    except ImportFailed as failed:
        db.session.rollback()
        report = failed.report
    if report.written:
        db.session.commit()
        storage().delete(ticket["key"])
    else:
        db.session.rollback()
    return render_template("transfer/imported.html", report=report)


# --- serial counters --------------------------------------------------------------------------

@bp.route("/admin/counters", methods=["GET", "POST"])
@requires("transfer.set_counter")
def counters():  # type: ignore[no-untyped-def]
    from flask import current_app
    from sqlalchemy import select

    from devreg.certificates.models import NumberCounter
    from devreg.clock import china_today
    from devreg.errors import DomainError
    from devreg.reference.data import CATALOGUE_CODES
    from devreg.reference.queries import province_choices
    from devreg.signatures.services import SignatureRefused
    from devreg.transfer.counters import highest_used, set_counter
    from devreg.transfer.forms import CounterForm
    from devreg.transfer.models import CounterSetting

    per_code = current_app.config["CERTIFICATE_SERIAL_SCOPE"] == "authority_year_code"
    form = CounterForm()
    form.province_code.choices = province_choices()
    if request.method == "GET" and form.year.data is None:
        form.year.data = china_today().year
    code = request.form.get("code", "") if per_code else ""
    if form.validate_on_submit():
        if per_code and code not in CATALOGUE_CODES:
            form.province_code.errors = [_("Choose the catalogue subcategory.")]
        else:
            kind = f"certificate-{code}" if per_code else "certificate"
            try:
                set_counter(kind=kind, province_code=form.province_code.data,
                            year=form.year.data, value=form.value.data,
                            reason=form.reason.data, actor=current_user,
                            password=form.signature_password.data)
            except SignatureRefused as error:
                db.session.rollback()
                form.signature_password.errors = [error.message]
            except DomainError as error:
                db.session.rollback()
                form.value.errors = [error.message]
            else:
                db.session.commit()
                flash(_("Counter set: the next certificate of %(year)s gets serial "
                        "%(serial)s.", year=form.year.data,
                        serial=f"{form.value.data + 1:04d}"), "success")
                return redirect(url_for("transfer.counters"))
    rows = [(c, highest_used(c.kind, c.province_code, c.year)) for c in db.session.scalars(
        select(NumberCounter).where(NumberCounter.kind.like("certificate%"))
        .order_by(NumberCounter.province_code, NumberCounter.year.desc(), NumberCounter.kind))]
    settings = list(db.session.scalars(select(CounterSetting).order_by(
        CounterSetting.id.desc()).limit(20)))
    return render_template("transfer/counters.html", form=form, rows=rows, settings=settings,
                           per_code=per_code, codes=sorted(CATALOGUE_CODES), code=code)
