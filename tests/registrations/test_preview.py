"""Issue 13 item 5: PDF and image dossier files open in the browser, sandboxed; every other
type downloads; the type and the served extension come from the bytes, not the upload."""

from __future__ import annotations

import io

import pytest

from devreg.extensions import db
from devreg.registrations import files
from devreg.registrations import services as svc
from devreg.storage import storage
from tests.registrations.helpers import PDF, K, S, app_path, client_for, new_draft
from tests.registrations.test_files import JPEG, PNG, Download, _office

DOCX = _office("docx")
XLSX = _office("xlsx")


def _names(disposition: str) -> str:
    """The file name a browser takes from Content-Disposition (filename* first)."""
    from urllib.parse import unquote

    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "filename*":
            return unquote(value.removeprefix("UTF-8''"))
    return next(part.strip().partition("=")[2].strip('"') for part in disposition.split(";")
                if part.strip().startswith("filename="))


def _file(demo, content: bytes, name: str):  # type: ignore[no-untyped-def]
    application = new_draft(demo, K.INITIAL, name="体温计 预览")
    record = svc.add_dossier_file(application, "1", filename=name, stream=io.BytesIO(content),
                                  actor=application.created_by)
    db.session.commit()
    return application, record


@pytest.mark.parametrize(("content", "name", "mimetype", "served"), [
    (PDF, "检验报告.pdf", "application/pdf", "检验报告.pdf"),
    (PDF, "scan.dat", "application/pdf", "scan.pdf"),  # the extension follows the bytes
    (PNG, "照片.jpg", "image/png", "照片.png"),
    (JPEG, "photo", "image/jpeg", "photo.jpg"),
], ids=["pdf", "pdf-named-dat", "png-named-jpg", "jpeg-without-extension"])
def test_pdf_and_images_open_inline_sandboxed(app, demo, content, name, mimetype, served):
    application, record = _file(demo, content, name)
    response = Download(client_for(app, "holder"),
                        f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 200 and response.data == content
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline")
    assert _names(disposition) == served
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp
    assert "script-src" not in csp  # nothing may run: default-src 'none' covers scripts


@pytest.mark.parametrize(("content", "name", "mimetype", "served"), [
    (DOCX, "说明书.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "说明书.docx"),
    (XLSX, "data.pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "data.xlsx"),  # named .pdf, an XLSX by its bytes: downloads as .xlsx
], ids=["docx", "xlsx-named-pdf"])
def test_other_types_download_as_attachments(app, demo, content, name, mimetype, served):
    application, record = _file(demo, content, name)
    response = Download(client_for(app, "holder"),
                        f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 200 and response.data == content
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert _names(disposition) == served
    assert "sandbox" not in response.headers.get("Content-Security-Policy", "")


def test_a_stored_file_whose_bytes_changed_is_judged_by_its_bytes(app, demo):
    """The row says PDF; the stored bytes no longer start like one (a tampered store): the
    browser gets an attachment of unknown type, never an inline page."""
    application, record = _file(demo, PDF, "report.pdf")
    storage().put(files.key_of(record.stored_name), io.BytesIO(b"<html><script>x</script>"))
    response = Download(client_for(app, "holder"),
                        f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.mimetype == "application/octet-stream"


def test_a_file_gone_from_the_store_is_404(app, demo):
    application, record = _file(demo, PDF, "gone.pdf")
    storage().delete(files.key_of(record.stored_name))
    response = Download(client_for(app, "holder"),
                        f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 404


def test_served_name_follows_the_detected_type():
    assert files.served_name("a.PDF", "application/pdf") == "a.pdf"
    assert files.served_name("a.tar.gz", "image/png") == "a.tar.png"
    assert files.served_name("noext", "image/jpeg") == "noext.jpg"
    assert files.served_name("x.pdf", None) == "x.pdf"
    assert S.DRAFT  # the helpers' states are importable (keeps the import honest)
