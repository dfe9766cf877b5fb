"""Document downloads, the public hash check, and the seal images (admin)."""

from __future__ import annotations

import hashlib

from flask import Response, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from devreg.documents import bp
from devreg.documents import cli as _cli  # noqa: F401  (flask documents ...)
from devreg.documents import services as svc
from devreg.documents.forms import HashCheckForm, SealForm
from devreg.documents.queries import find_by_number, get_document_or_404
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.i18n import _
from devreg.permissions import authorize
from devreg.reference.models import Province
from devreg.storage import CHUNK


@bp.route("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    """The stored PDF, byte for byte as issued (its SHA-256 is the recorded one)."""
    document = get_document_or_404(document_id, current_user)
    try:
        data = svc.read_bytes(document)
    except FileNotFoundError:
        abort(404)
    response = make_response(data)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = _disposition(document.download_name)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Document-SHA256"] = document.sha256
    return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"document.pdf\"; filename*=UTF-8''{quote(name)}"


@bp.route("/verify/documents/<number>", methods=["GET", "POST"])
def verify(number: str):
    """Public: is the PDF I hold the one devreg issued under this number? Upload it or paste
    its SHA-256. Says only what the document is (kind, number, date, authority), never its
    content."""
    document = find_by_number(number[:60])
    if document is None:
        return render_template("documents/verify_not_found.html", number=number[:60]), 404
    form = HashCheckForm()
    result = None
    status = 200
    if form.is_submitted():
        if form.validate():
            upload = form.file.data
            if upload is not None and getattr(upload, "filename", ""):
                digest = hashlib.sha256()
                size = 0
                while chunk := upload.stream.read(CHUNK):
                    size += len(chunk)
                    digest.update(chunk)
                given = digest.hexdigest() if size else ""
            else:
                given = (form.sha256.data or "").lower()
            if not given:
                form.sha256.errors = [_("Upload the PDF or paste its SHA-256.")]
                status = 400
            else:
                result = given == document.sha256
                status = 200 if result else 409
        else:
            status = 400
    return render_template("documents/verify.html", document=document, form=form,
                           result=result, authority=svc.authority_zh(document.province_code)
                           ), status


@bp.route("/admin/seals", methods=["GET", "POST"])
@login_required
def seals():
    authorize(current_user, "documents.manage_seals")
    provinces = list(db.session.scalars(select(Province).order_by(Province.code)))
    form = SealForm()
    form.province.choices = [(p.code, p.name) for p in provinces]
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                svc.upload_seal(form.province.data, form.file.data.read(
                    svc.SEAL_MAX_BYTES + 1), actor=current_user)
            except DomainError as error:
                db.session.rollback()
                form.file.errors = [error.message]
                status = 422
            else:
                db.session.commit()
                flash(_("Seal saved: documents issued from now on carry it."), "success")
                return redirect(url_for("documents.seals"))
        else:
            status = 400
    seals_by_code = {s.province_code: s for s in db.session.scalars(
        select(svc.ProvinceSeal))}
    return render_template("documents/seals.html", form=form, provinces=provinces,
                           seals=seals_by_code), status


@bp.route("/admin/seals/<code>")
@login_required
def seal_image(code: str):
    authorize(current_user, "documents.manage_seals")
    seal = svc.seal_of(code[:2])
    if seal is None:
        abort(404)
    try:
        with svc.storage().open(seal.storage_key) as stream:
            data = stream.read()
    except FileNotFoundError:
        abort(404)
    return Response(data, mimetype=seal.content_type,
                    headers={"Cache-Control": "private, no-cache"})
