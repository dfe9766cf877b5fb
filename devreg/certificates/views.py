"""Certificate pages, applications made on a certificate, revocation, and the public registry."""

from __future__ import annotations

import io
import re
from datetime import date

import segno
from flask import (
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from devreg.arrangements.queries import arrangements_for_device, authorised_on
from devreg.certificates import bp
from devreg.certificates import services as svc
from devreg.certificates.lists import CERTIFICATE_LIST, REGISTRY
from devreg.certificates.models import Certificate
from devreg.certificates.numbers import is_valid_certificate_number
from devreg.certificates.queries import (
    certificates_visible_to,
    find_by_number,
    get_by_number_or_404,
    get_certificate_or_404,
    valid_ids_on,
)
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.hosting import public_url_for
from devreg.i18n import _
from devreg.listing import ListPage, list_page
from devreg.permissions import authorize
from devreg.registrations import services as registrations
from devreg.registrations.forms import CertificateApplicationForm
from devreg.registrations.kinds import ApplicationKind
from devreg.review.forms import RevokeForm
from devreg.security import signature_rate_limit
from devreg.signatures.services import SignatureRefused, sign

#: which certificate items each kind of application may change
KIND_ITEMS = {
    ApplicationKind.CHANGE: svc.REVIEWED_ITEMS,
    ApplicationKind.CHANGE_FILING: svc.FILED_ITEMS,
    ApplicationKind.RENEWAL: (),
    ApplicationKind.CANCELLATION: (),
}


@bp.route("/certificates")
@login_required
def certificate_list():
    page = list_page(certificates_visible_to(current_user).options(lazyload("*")),
                     CERTIFICATE_LIST)
    return render_template("certificates/list.html", certificates=page.items, page=page)


@bp.route("/certificates/<int:certificate_id>")
@login_required
def certificate_detail(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id, current_user)
    # "which manufacturer was authorised to make the device on day D" (issue 10 item 2)
    try:
        on = date.fromisoformat(request.args.get("on", "")) if request.args.get("on") else None
    except ValueError:
        on = None
    return render_template("certificates/detail.html", certificate=certificate,
                           today=china_today(), revoke_form=RevokeForm(),
                           renewal_deadline=svc.renewal_deadline(certificate),
                           arrangements=arrangements_for_device(certificate.device_id),
                           authorised_day=on,
                           authorised=authorised_on(certificate, on) if on else None)


@bp.route("/certificates/<int:certificate_id>/print")
@login_required
def certificate_print(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id, current_user)
    return render_template("certificates/print.html", certificate=certificate,
                           today=china_today())


@bp.route("/certificates/<int:certificate_id>/changes/<int:sequence>")
@login_required
def change_document(certificate_id: int, sequence: int):
    """变更注册文件: printable, valid together with the certificate (Order 47 Art 81)."""
    certificate = get_certificate_or_404(certificate_id, current_user)
    document = next((d for d in certificate.change_documents if d.sequence == sequence), None)
    if document is None:
        abort(404)
    return render_template("certificates/change_document.html", certificate=certificate,
                           document=document, today=china_today())


@bp.route("/certificates/<int:certificate_id>/apply/<kind>", methods=["GET", "POST"])
@login_required
def certificate_apply(certificate_id: int, kind: str):
    certificate = get_certificate_or_404(certificate_id, current_user)
    try:
        application_kind = ApplicationKind(kind)
    except ValueError:
        abort(404)
    if application_kind not in KIND_ITEMS:
        abort(404)
    authorize(current_user, "certificates.apply", certificate)
    form = CertificateApplicationForm()
    items = KIND_ITEMS[application_kind]
    substantive = svc.SUBSTANTIVE_CHANGES if application_kind is ApplicationKind.CHANGE else ()
    if form.validate_on_submit():
        try:
            application = registrations.create_application(
                application_kind, certificate.device, actor=current_user,
                certificate=certificate, today=china_today(),
                change_description=form.change_description.data,
                changed_items={key: form[key].data for key in items},
                changed_on=form.changed_on.data,
                substantive_changes={key: form[key].data for key in substantive})
        except DomainError as error:
            db.session.rollback()
            form.change_description.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Draft application created. Upload the dossier, then submit."), "success")
            return redirect(url_for("registrations.application_detail",
                                    application_id=application.id))
    return render_template("certificates/apply.html", certificate=certificate, form=form,
                           kind=application_kind, items=items, substantive=substantive,
                           renewal_deadline=svc.renewal_deadline(certificate))


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@login_required
@signature_rate_limit
def certificate_revoke(certificate_id: int):
    certificate = get_certificate_or_404(certificate_id, current_user)
    authorize(current_user, "certificates.revoke", certificate)
    form = RevokeForm()
    if form.validate_on_submit():
        if certificate.status != "valid":
            flash(_("Only a valid certificate can be revoked."), "danger")
            return redirect(url_for("certificates.certificate_detail",
                                    certificate_id=certificate.id))
        try:
            signature = sign(certificate, signer=current_user,
                             password=form.signature_password.data, meaning="decided",
                             content={"revoke": certificate.number,
                                      "reasons": form.reasons.data})
            svc.revoke_certificate(certificate, reasons=form.reasons.data,
                                   signature=signature, on=china_today())
        except SignatureRefused as error:
            db.session.rollback()
            form.signature_password.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Certificate revoked."), "success")
            return redirect(url_for("certificates.certificate_detail",
                                    certificate_id=certificate.id))
    return render_template("certificates/detail.html", certificate=certificate,
                           today=china_today(), revoke_form=form,
                           renewal_deadline=svc.renewal_deadline(certificate),
                           arrangements=arrangements_for_device(certificate.device_id)), 422


# --- public, no sign-in -------------------------------------------------------------------

#: how long a proxy or browser may serve a public registry page without asking again
PUBLIC_MAX_AGE_SECONDS = 300
#: the registry lists certificates once one of these is in the query
REGISTRY_KEYS = ("q", *(f.name for f in REGISTRY.filters))


def _public(body: str) -> Response:
    """A public page a shared cache may keep: the same for everyone (it sets no cookie; a
    signed-in visitor's copy, whose menu is personal, stays private)."""
    response = make_response(body)
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE_SECONDS}"
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response

@bp.route("/registry")
def registry():
    """Search, filter, sort and page the issued certificates (a result count on every page);
    nothing is listed until a search or a filter is given."""
    page = None
    if any(request.args.get(key, "").strip() for key in REGISTRY_KEYS):
        page = list_page(select(Certificate).options(lazyload("*"),
                                                     selectinload(Certificate.periods)),
                         REGISTRY)
    empty = ListPage(spec=REGISTRY, items=[], total=0, page=1, pages=1,
                     sort=REGISTRY.default_sort, q="", values={}, choices={
                         f.name: [(str(v), str(label)) for v, label in f.choices()]
                         for f in REGISTRY.filters if f.choices is not None})
    today = china_today()
    shown = (page or empty).items
    return _public(render_template("certificates/registry.html", page=page or empty,
                                   searched=page is not None, today=today,
                                   valid_today=valid_ids_on((c.id for c in shown), today)))


@bp.route("/verify")
def verify_lookup():
    """Where the landing and sign-in pages send people: type a number, see its verdict."""
    number = request.args.get("number", "").strip()[:100]
    if number:
        return redirect(url_for("certificates.verify", number=number))
    return _public(render_template("certificates/not_found.html", number="", lookup=True))


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _asked_day(raw: str) -> date | None:
    """``?on=YYYY-MM-DD`` exactly (date.fromisoformat alone also takes 20260101 and more)."""
    if not _ISO_DAY.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@bp.route("/verify/<number>")
def verify(number: str):
    """Public verification: valid today, or on the day asked with ``?on=YYYY-MM-DD``, read
    from the certificate's validity periods (Order 47 Art 84)."""
    # an unknown or malformed number: the same plain answer, with a search box, never a
    # generic error page (a counterfeit certificate's number is exactly what people check)
    certificate = find_by_number(number) if is_valid_certificate_number(number) else None
    if certificate is None:
        return _public(render_template("certificates/not_found.html", number=number[:100])), 404
    today = china_today()
    raw = request.args.get("on", "").strip()[:20]
    day = _asked_day(raw) if raw else today
    if day is None:
        response = _public(render_template(
            "certificates/verify.html", certificate=certificate, today=today, day=today,
            asked=raw, valid=certificate.is_valid_on(today),
            date_error=_("Enter the date as YYYY-MM-DD, e.g. 2026-06-01.")))
        response.status_code = 400
        return response
    return _public(render_template("certificates/verify.html", certificate=certificate,
                                   today=today, day=day, asked=raw,
                                   valid=certificate.is_valid_on(day), date_error=None))


@bp.route("/verify/<number>/qr.svg")
def verify_qr(number: str):
    certificate = get_by_number_or_404(number)
    # PUBLIC_URL, never the request's Host header: the image is publicly cached
    target = public_url_for("certificates.verify", number=certificate.number)
    buffer = io.BytesIO()
    segno.make(target, error="m").save(buffer, kind="svg", scale=4, border=2)
    return Response(buffer.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})
