"""Which documents a record has, and which a visitor may read."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select

from devreg.certificates.models import Certificate
from devreg.documents.models import Document
from devreg.extensions import db


def documents_of(record: Any) -> list[Document]:
    """The documents of an application or a certificate, oldest first (for the record's page
    and for the e-mail that attaches them)."""
    if isinstance(record, Certificate):
        where = Document.certificate_id == record.id
    else:
        where = Document.application_id == record.id
    return list(db.session.scalars(select(Document).where(where).order_by(Document.id)))


#: the name the e-mail side uses
documents_for = documents_of


def get_document_or_404(document_id: int, user: Any) -> Document:
    """The document, if ``user`` may see its record: a certificate's documents follow the
    certificate's visibility, every other document the application's (404 otherwise)."""
    from devreg.certificates.queries import get_certificate_or_404
    from devreg.registrations.queries import get_application_or_404

    document = db.session.get(Document, document_id)
    if document is None:
        abort(404)
    if document.certificate_id is not None:
        get_certificate_or_404(document.certificate_id, user)
    else:
        get_application_or_404(document.application_id, user)
    return document


def find_by_number(number: str) -> Document | None:
    return db.session.scalar(select(Document).where(Document.number == number))
