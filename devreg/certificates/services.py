"""Issuing certificates and everything that happens to them afterwards. Only called from the
registration and review services (and the sweep), inside their transaction."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from devreg import events
from devreg.audit.services import label_next_change
from devreg.certificates.models import (
    Certificate,
    CertificateChange,
    CertificateStatus,
    ChangeDocument,
    ValidityPeriod,
)
from devreg.certificates.numbers import format_certificate_number, next_value, numbering_code
from devreg.extensions import db
from devreg.signatures.models import Signature

VALIDITY_YEARS = 5
#: Order 47 Art 79 ¶2: certificate items a change registration may change (need review)
REVIEWED_ITEMS = ("device_name", "model_spec", "structure", "intended_use",
                  "technical_requirements")
#: Order 47 Art 79 ¶2: substantive changes a change registration describes (reviewed, listed on
#: the change document, not printed items of the certificate)
SUBSTANTIVE_CHANGES = ("design", "raw_materials", "production_process", "method_of_use")
#: certificate items a change filing may change (no review)
FILED_ITEMS = ("holder_name", "holder_address", "production_address")
#: Order 47 Art 82: renewal is applied for at least six months before expiry
RENEWAL_LEAD = relativedelta(months=6)


def last_valid_day(start: date) -> date:
    """Five years from ``start``: the day before the same date five years later."""
    return start + relativedelta(years=VALIDITY_YEARS) - timedelta(days=1)


def renewal_deadline(certificate: Certificate) -> date:
    """The last day on which a renewal may be applied for."""
    return certificate.valid_until - RENEWAL_LEAD


def certificate_counter(code: str) -> str:
    """The counter a new certificate's serial comes from (CERTIFICATE_SERIAL_SCOPE, an
    interpretation: Order 47 Art 115 does not say what the serial counts over)."""
    if current_app.config["CERTIFICATE_SERIAL_SCOPE"] == "authority_year_code":
        return f"certificate-{code}"
    return "certificate"


def submitted_items(application: Any) -> dict[str, Any]:
    """The registered items as submitted and signed (the latest frozen round), never the live
    device: the certificate states what was reviewed (Order 47 Art 58; issue 8)."""
    frozen = application.submitted_content
    if frozen is None:
        raise ValueError(f"application {application.id} has no submitted content")
    return frozen.items


def issue_certificate(application: Any, *, signature: Signature, approved_on: date) -> Certificate:
    items = submitted_items(application)
    holder = application.holder
    abbreviation = _abbreviation(application.province_code)
    code = numbering_code(items["category_code"], is_ivd_reagent=items["is_ivd_reagent"])
    serial = next_value(certificate_counter(code), application.province_code, approved_on.year)
    certificate = Certificate(
        number=format_certificate_number(abbreviation, approved_on.year, code, serial),
        device_id=application.device_id,
        holder_org_id=holder.id,
        province_code=application.province_code,
        application_id=application.id,
        first_year=approved_on.year,
        serial=serial,
        category_code=code,
        approved_on=approved_on,
        valid_from=approved_on,
        valid_until=last_valid_day(approved_on),
        holder_name=holder.name_zh,
        holder_address=holder.address,
        production_address=items["production_address"] or holder.address,
        device_name=items["name"],
        model_spec=items["model_spec"],
        structure=items["structure"],
        intended_use=items["intended_use"],
        technical_requirements=items.get("technical_requirements") or "",
        approver_signature_id=signature.id,
    )
    db.session.add(certificate)
    db.session.flush()
    # Order 47 Art 58: the first period runs five years from approval
    _add_period(certificate, "issued", approved_on, approved_on, application)
    _record(certificate, "issued", application, approved_on, None, None, signature)
    events.certificate_issued.send(certificate, application=application, signature=signature)
    return certificate


def _add_period(certificate: Certificate, kind: str, starts_on: date, approved_on: date,
                application: Any) -> ValidityPeriod:
    period = ValidityPeriod(kind=kind, starts_on=starts_on, ends_on=last_valid_day(starts_on),
                            approved_on=approved_on,
                            application_id=application.id if application is not None else None)
    certificate.periods.append(period)
    certificate.valid_from, certificate.valid_until = period.starts_on, period.ends_on
    return period


def renewal_start(certificate: Certificate, approved_on: date, *, deemed: bool = False) -> date:
    """Where the renewed validity starts."""
    if deemed or approved_on <= certificate.valid_until:
        # Order 47 Art 84: approved within validity → starts the day after the old expiry; a
        # deemed renewal (Art 82 ¶2) is granted by the expiry date, so it is within validity
        return certificate.valid_until + timedelta(days=1)
    # Order 47 Art 84: approved after expiry → starts on the approval date (a gap before it)
    return approved_on


def _abbreviation(province_code: str) -> str:
    from devreg.reference.models import Province

    return db.session.get(Province, province_code).abbreviation  # type: ignore[union-attr]


def _record(certificate: Certificate, kind: str, application: Any, on: date,
            before: dict | None, after: dict | None, signature: Signature | None,
            summary: str | None = None) -> CertificateChange:
    change = CertificateChange(
        certificate_id=certificate.id, kind=kind,
        application_id=application.id if application is not None else None,
        effective_on=on, before=before, after=after, summary=summary,
        signature_id=signature.id if signature else None,
    )
    db.session.add(change)
    return change


def _apply_items(certificate: Certificate, items: dict[str, str],
                 allowed: tuple[str, ...]) -> tuple[dict, dict]:
    before, after = {}, {}
    for key, value in items.items():
        if key not in allowed:
            raise ValueError(f"item {key!r} cannot be changed this way")
        before[key], after[key] = getattr(certificate, key), value
        setattr(certificate, key, value)
    return before, after


def _submitted_changes(application: Any) -> dict[str, str]:
    frozen = application.submitted_content
    if frozen is None:
        raise ValueError(f"application {application.id} has no submitted content")
    return dict(frozen.content.get("changed_items") or {})


def apply_change_registration(certificate: Certificate, application: Any, *,
                              signature: Signature, approved_on: date) -> ChangeDocument:
    """The approved change, as submitted and signed, becomes a change document (变更注册文件)
    attached to the certificate (Order 47 Art 81), and the certificate's items take the new
    values."""
    before, after = _apply_items(certificate, _submitted_changes(application), REVIEWED_ITEMS)
    label_next_change(certificate, "change_registration")
    _record(certificate, "change_registration", application, approved_on, before, after,
            signature, application.change_description)
    document = ChangeDocument(
        sequence=len(certificate.change_documents) + 1, application_id=application.id,
        approved_on=approved_on, description=application.change_description,
        items=[{"item": key, "before": before[key], "after": after[key]}
               for key in REVIEWED_ITEMS if key in after],
        substantive_changes=dict(application.submitted_content.content.get(
            "substantive_changes") or {}) or None,
        signature_id=signature.id)
    certificate.change_documents.append(document)
    db.session.flush()  # the document's id, for listeners
    events.change_document_issued.send(certificate, application=application, document=document,
                                       signature=signature)
    return document


def apply_change_filing(certificate: Certificate, application: Any, *, signature: Signature,
                        filed_on: date) -> None:
    before, after = _apply_items(certificate, _submitted_changes(application), FILED_ITEMS)
    label_next_change(certificate, "change_filing")
    _record(certificate, "change_filing", application, filed_on, before, after, signature,
            application.change_description)


def renew_certificate(certificate: Certificate, application: Any, *,
                      signature: Signature | None, approved_on: date,
                      deemed: bool = False) -> ValidityPeriod:
    """Same number (Order 47 Art 115), a new validity period by Art 84: the day after the old
    expiry when approved (or deemed granted) within validity, else from the approval date."""
    before = {"valid_from": certificate.valid_from.isoformat(),
              "valid_until": certificate.valid_until.isoformat()}
    starts_on = renewal_start(certificate, approved_on, deemed=deemed)
    period = _add_period(certificate, "deemed_renewal" if deemed else "renewal", starts_on,
                         certificate.valid_until if deemed else approved_on, application)
    if certificate.status == CertificateStatus.EXPIRED:
        certificate.status = CertificateStatus.VALID.value
    label_next_change(certificate, "renewal")
    _record(certificate, "renewal", application, approved_on, before,
            {"valid_from": certificate.valid_from.isoformat(),
             "valid_until": certificate.valid_until.isoformat()}, signature)
    events.certificate_renewed.send(certificate, application=application, period=period,
                                    deemed=deemed)
    return period


def cancel_certificate(certificate: Certificate, application: Any, *, signature: Signature,
                       on: date) -> None:
    certificate.status = CertificateStatus.CANCELLED.value
    certificate.ended_on = on
    label_next_change(certificate, "cancel")
    _record(certificate, "cancellation", application, on, {"status": "valid"},
            {"status": "cancelled"}, signature, application.change_description)
    events.certificate_cancelled.send(certificate, application=application, signature=signature)


def revoke_certificate(certificate: Certificate, *, reasons: str, signature: Signature,
                       on: date) -> None:
    certificate.status = CertificateStatus.REVOKED.value
    certificate.ended_on = on
    label_next_change(certificate, "revoke")
    _record(certificate, "revocation", None, on, {"status": "valid"}, {"status": "revoked"},
            signature, reasons)
    events.certificate_revoked.send(certificate, signature=signature)


def expire_certificates(today: date) -> list[Certificate]:
    """Valid certificates whose last valid day has passed become expired (by the sweep)."""
    due = list(db.session.scalars(
        select(Certificate).where(Certificate.status == CertificateStatus.VALID.value,
                                  Certificate.valid_until < today)))
    for certificate in due:
        certificate.status = CertificateStatus.EXPIRED.value
        label_next_change(certificate, "expire")
        _record(certificate, "expiry", None, certificate.valid_until + timedelta(days=1),
                {"status": "valid"}, {"status": "expired"}, None)
        events.certificate_expired.send(certificate)
    return due
