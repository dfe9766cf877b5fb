"""Reading issued PDFs."""

from __future__ import annotations

import io
import struct
import zlib

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


def png(width: int = 8, height: int = 8) -> bytes:
    """A real (tiny, red) PNG."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
