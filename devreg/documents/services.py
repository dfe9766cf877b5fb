"""Issuing a document: number it, render it, store its bytes and record its hash, inside the
transaction of the act it records. Issuing twice (a repeated event) returns the first one."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from devreg.certificates.models import Certificate, ChangeDocument
from devreg.documents import render
from devreg.documents.kinds import DocumentKind
from devreg.documents.models import Document, ProvinceSeal
from devreg.documents.numbering import next_number
from devreg.extensions import db
from devreg.hosting import public_url_for
from devreg.reference.models import Province
from devreg.registrations.models import Application
from devreg.storage import storage

#: session.info list of stored keys that a rollback deletes (registrations/files.py's hook)
_WRITTEN = "devreg_written_files"

STREAM_ZH = {"priority": "优先审批程序", "innovative": "创新产品审批程序",
             "emergency": "应急审批程序", "ordinary": "一般程序"}
DECISION_TITLES = {
    (True, "initial"): "准予注册决定书", (True, "change"): "准予变更注册决定书",
    (True, "renewal"): "准予延续注册决定书", (True, "cancellation"): "准予注销决定书",
    (False, "initial"): "不予注册决定书", (False, "change"): "不予变更注册决定书",
    (False, "renewal"): "不予延续注册决定书", (False, "cancellation"): "不予注销决定书",
}


def authority_zh(province_code: str) -> str:
    province = db.session.get(Province, province_code)
    return f"{province.name_zh if province else province_code}药品监督管理局"


def seal_of(province_code: str) -> ProvinceSeal | None:
    return db.session.scalar(select(ProvinceSeal).where(
        ProvinceSeal.province_code == province_code))


def _seal_uri(province_code: str) -> str | None:
    seal = seal_of(province_code)
    if seal is None:
        return None
    try:
        with storage().open(seal.storage_key) as stream:
            return render.image_data_uri(stream.read(), seal.content_type)
    except FileNotFoundError:
        return None


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _items(application: Application) -> dict[str, Any]:
    frozen = application.submitted_content
    return frozen.items if frozen is not None else {}


def _product_name(application: Application) -> str:
    if application.certificate is not None:
        return application.certificate.device_name
    return str(_items(application).get("name") or application.device.name)


def _addresses(certificate: Certificate) -> tuple[list[str], list[str]]:
    """生产地址 lines with （委托生产） and the 备注 naming each commissioned manufacturer
    (NMPA 2024 No. 38 §13)."""
    from devreg.arrangements.display import certificate_addresses, commissioned_manufacturers

    rows = certificate_addresses(certificate)
    lines = ([f"{r.address}{'（委托生产）' if r.is_commissioned else ''}" for r in rows]
             or _lines(certificate.production_address) or [certificate.production_address])
    remarks = [f"受托生产企业：{m.name_zh}；统一社会信用代码：{m.uscc}"
               for m in commissioned_manufacturers(certificate)]
    return lines, remarks


def _context(kind: DocumentKind, application: Application, on: date,
             extra: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {
        "application": application, "holder_name": application.holder.name_zh,
        "product_name": _product_name(application),
        "stream_zh": STREAM_ZH.get(application.stream, application.stream), **extra}
    if kind is DocumentKind.CORRECTION:
        context["items"] = _lines(application.correction_items)
    elif kind is DocumentKind.SUPPLEMENT:
        context["items"] = _lines(application.supplement_items)
    elif kind is DocumentKind.NON_ACCEPTANCE:
        context["reasons"] = application.refusal_reasons or ""
    elif kind in (DocumentKind.APPROVAL, DocumentKind.REFUSAL):
        approve = kind is DocumentKind.APPROVAL
        context["decision_title"] = DECISION_TITLES.get((approve, application.kind),
                                                        kind.title_zh)
        context["reasons"] = application.decision_reasons or ""
        certificate = application.certificate
        context["certificate_number"] = certificate.number if certificate else ""
        context["valid_until"] = certificate.valid_until if certificate else None
    elif kind is DocumentKind.EXTENSION:
        from devreg.registrations.clocks import stage_limit
        from devreg.workdays.models import Stage

        extension = extra["extension"]
        context["base_limit"] = stage_limit(application, Stage(extension.stage))
    elif kind in (DocumentKind.CERTIFICATE, DocumentKind.CHANGE_DOCUMENT):
        certificate = extra["certificate"]
        lines, remarks = _addresses(certificate)
        context.update(production_lines=lines, remarks=remarks)
        if kind is DocumentKind.CERTIFICATE:
            # the latest period: a renewal's sheet shows the new validity (Order 47 Art 84)
            period = certificate.periods[-1] if certificate.periods else None
            context.update(
                approved_on=period.approved_on if period else certificate.approved_on,
                valid_until=period.ends_on if period else certificate.valid_until,
                technical_requirements=certificate.technical_requirements,
                other_content="",
                change_lines=[f"变更注册文件第{d.sequence}号（{render.cn_date(d.approved_on)}批准）"
                              for d in certificate.change_documents])
    return context


def existing(kind: DocumentKind, application: Application, round: int = 1) -> Document | None:
    return db.session.scalar(select(Document).where(
        Document.application_id == application.id, Document.kind == kind.value,
        Document.round == round))


def issue(kind: DocumentKind, application: Application, *, on: date, round: int = 1,
          certificate: Certificate | None = None, change: ChangeDocument | None = None,
          extension: Any = None) -> Document:
    """Number, render and store the document of ``kind`` for ``application``, once: a second
    call for the same (application, kind, round) returns the first document."""
    found = existing(kind, application, round)
    if found is not None:
        return found
    number = next_number(kind, application.province_code, on)
    extra = {"certificate": certificate or application.certificate, "change": change,
             "extension": extension}
    context = _context(kind, application, on, extra)
    context.update(number=number, issued_on=on, authority=authority_zh(application.province_code),
                   seal=_seal_uri(application.province_code))
    # outside a request (the sweep, commands, the demo loader) URLs are built on PUBLIC_URL
    pdf = render.in_request_context(_render, kind, context, certificate)
    digest = hashlib.sha256(pdf).hexdigest()
    key = f"documents/{application.province_code}/{on.year}/{digest}.pdf"
    document = Document(kind=kind.value, number=number, application_id=application.id,
                        certificate_id=(certificate or application.certificate).id
                        if kind in (DocumentKind.CERTIFICATE, DocumentKind.CHANGE_DOCUMENT)
                        and (certificate or application.certificate) else None,
                        round=round, province_code=application.province_code, issued_on=on,
                        sha256=digest, size=len(pdf), storage_key=key)
    try:
        with db.session.begin_nested():
            db.session.add(document)
            db.session.flush()
    except IntegrityError:
        # a parallel request issued it first: keep that one
        found = existing(kind, application, round)
        if found is None:
            raise
        return found
    # recorded before storing: a rollback of the transaction deletes the stored bytes
    db.session.info.setdefault(_WRITTEN, []).append(key)
    storage().put(key, io.BytesIO(pdf))
    return document


def _render(kind: DocumentKind, context: dict[str, Any],
            certificate: Certificate | None) -> bytes:
    """The PDF, with the QR code to its public verification page (PUBLIC_URL)."""
    if kind is DocumentKind.CERTIFICATE and certificate is not None:
        verify_url = public_url_for("certificates.verify", number=certificate.number)
    else:
        verify_url = public_url_for("documents.verify", number=context["number"])
    context.update(verify_url=verify_url, verify_url_text=unquote(verify_url),
                   qr=render.qr_data_uri(verify_url))
    return render.render_pdf(kind, context)


def read_bytes(document: Document) -> bytes:
    with storage().open(document.storage_key) as stream:
        return stream.read()


#: a seal image is small: a scanned seal is a few dozen KB (interpretation: devreg's limit)
SEAL_MAX_BYTES = 1024 * 1024
SEAL_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def upload_seal(province_code: str, data: bytes, *, actor: Any) -> ProvinceSeal:
    """Store ``data`` as the province's seal, replacing the previous one (documents already
    issued keep the seal they were rendered with). Refuses anything but a PNG or JPEG of at
    most SEAL_MAX_BYTES, judged by its bytes."""
    from devreg.errors import DomainError
    from devreg.i18n import _

    if db.session.get(Province, province_code) is None:
        raise DomainError(_("Choose a province."))
    if not data:
        raise DomainError(_("The file is empty."))
    if len(data) > SEAL_MAX_BYTES:
        raise DomainError(_("The seal image is larger than %(max)d KB.",
                            max=SEAL_MAX_BYTES // 1024))
    content_type = next((t for magic, t in SEAL_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise DomainError(_("The seal must be a PNG or JPEG image."))
    digest = hashlib.sha256(data).hexdigest()
    key = f"seals/{province_code}/{digest}.{content_type.rsplit('/', 1)[1]}"
    seal = seal_of(province_code) or ProvinceSeal(province_code=province_code)
    seal.content_type, seal.sha256, seal.size, seal.storage_key = (
        content_type, digest, len(data), key)
    seal.uploaded_by_id = actor.id
    from devreg.db import utcnow

    seal.uploaded_at = utcnow()
    db.session.add(seal)
    db.session.flush()
    if not storage().exists(key):
        db.session.info.setdefault(_WRITTEN, []).append(key)
        storage().put(key, io.BytesIO(data))
    return seal


def find_by_sha256(digest: str) -> Document | None:
    return db.session.scalar(select(Document).where(Document.sha256 == digest.lower()))
