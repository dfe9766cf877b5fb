"""Content of record of the signatures on certificates (signatures.records): revocation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from devreg.certificates.models import Certificate, CertificateChange
from devreg.extensions import db
from devreg.signatures.models import Signature
from devreg.signatures.records import content_of_record


@content_of_record(Certificate, "decided")
def _revocation(certificate: Certificate, signature: Signature) -> dict[str, Any] | None:
    change = db.session.scalar(select(CertificateChange).where(
        CertificateChange.certificate_id == certificate.id,
        CertificateChange.signature_id == signature.id))
    if change is None:
        return None
    return {"revoke": certificate.number, "reasons": change.summary}
