"""Reading issued PDFs."""

from __future__ import annotations

import io

from pypdf import PdfReader

from devreg.documents import services as documents
from devreg.documents.models import Document


def pdf_text(data: bytes) -> str:
    """All pages' text, without the line breaks and spaces layout inserts in CJK runs."""
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return "".join(text.split())


def document_text(document: Document) -> str:
    return pdf_text(documents.read_bytes(document))
