"""Display helpers for certificate pages (registered as Jinja globals)."""

from __future__ import annotations

from datetime import date

from devreg.certificates.models import Certificate, CertificateStatus
from devreg.extensions import db
from devreg.i18n import _, _l
from devreg.reference.models import Province
from devreg.signatures.models import Signature

CHANGE_TITLES = {
    "issued": _l("Certificate issued"),
    "change_registration": _l("Change registration document (变更注册文件)"),
    "change_filing": _l("Change filing (变更备案)"),
    "renewal": _l("Renewal (延续注册)"),
    "cancellation": _l("Cancellation (注销)"),
    "revocation": _l("Revocation (撤销)"),
    "expiry": _l("Expired"),
    "imported": _l("Issued before go-live (imported)"),
    "imported_change": _l("Change before go-live (imported)"),
}


PERIOD_TITLES = {
    "issued": _l("First registration"),
    "renewal": _l("Renewal (延续注册)"),
    "deemed_renewal": _l("Renewal deemed granted (视为准予延续)"),
}

NOT_VALID_REASONS = {
    "not_yet_issued": _l("not yet issued"),
    "gap": _l("no valid certificate between two validity periods (the renewal was approved "
              "after the old certificate had expired)"),
}


ITEM_TITLES = {
    "device_name": _l("Product name"),
    "model_spec": _l("Models and specifications"),
    "structure": _l("Structure and composition"),
    "intended_use": _l("Intended use"),
    "technical_requirements": _l("Product technical requirements"),
    "holder_name": _l("Registration holder"),
    "holder_address": _l("Holder address"),
    "production_address": _l("Production address"),
    "design": _l("Change of design"),
    "raw_materials": _l("Change of raw materials"),
    "production_process": _l("Change of production process"),
    "method_of_use": _l("Change of method of use"),
}


def item_title(key: str) -> str:
    title = ITEM_TITLES.get(key)
    return str(title) if title is not None else key


def period_title(kind: str) -> str:
    title = PERIOD_TITLES.get(kind)
    return str(title) if title is not None else kind


def not_valid_reason(certificate: Certificate, day: date) -> str:
    """Why the certificate was not valid on ``day``, in the reader's language."""
    reason = certificate.not_valid_because(day) or ""
    if reason in NOT_VALID_REASONS:
        return str(NOT_VALID_REASONS[reason])
    return CertificateStatus(reason).title if reason else ""


def change_title(kind: str) -> str:
    title = CHANGE_TITLES.get(kind)
    return str(title) if title is not None else kind


def approver_signature(certificate: Certificate) -> Signature | None:
    if certificate.approver_signature_id is None:
        return None
    return db.session.get(Signature, certificate.approver_signature_id)


def issuing_authority(certificate: Certificate) -> str:
    province = db.session.get(Province, certificate.province_code)
    return _("%(province)s Medical Products Administration",
             province=province.name if province else certificate.province_code)
