"""Dossier files: size and type limits with nothing stored on refusal, versions kept on
replacement, downloads only for the holder and the province's reviewers, file names that can
never become paths, and no orphan file when the transaction rolls back."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations import files
from devreg.registrations import services as svc
from devreg.registrations.models import DossierFile
from tests.registrations.helpers import (
    PDF,
    K,
    S,
    app_path,
    application_in,
    client_for,
    files_on_disk,
    text_of,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


def _zip_without_office_parts() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    return buffer.getvalue()


def _upload(client, application, content: bytes, name: str, chapter: str = "1"):  # type: ignore[no-untyped-def]
    """POST the upload form. The multipart body is encoded in memory: the test client would
    spool a large body to a temporary file that nothing closes."""
    path = app_path(application)
    token = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token) or re.search(
        r'name="csrf_token" value="([^"]+)"', token)
    boundary, body = encode_multipart(MultiDict({
        "csrf_token": token.group(1) if token else "", "chapter": chapter,
        "file": FileStorage(io.BytesIO(content), filename=name,
                            content_type="application/octet-stream")}))
    return client.post(f"{path}/files", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _draft(demo):  # type: ignore[no-untyped-def]
    """A draft with no file at all (so that every stored file is one of the test's)."""
    application = application_in(demo, K.INITIAL, S.DRAFT)
    for record in list(application.files):
        files.path_of(record.stored_name).unlink()
        db.session.delete(record)
    db.session.commit()
    return application


class Download:
    """A download, read and closed (send_file keeps the file open until the response closes)."""

    def __init__(self, client, url: str) -> None:  # type: ignore[no-untyped-def]
        with client.get(url) as response:
            self.status_code = response.status_code
            self.headers = response.headers
            self.mimetype = response.mimetype
            self.data = response.data


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(DossierFile))


# --- size and type -----------------------------------------------------------------------------

@pytest.fixture
def one_megabyte(app):  # type: ignore[no-untyped-def]
    saved = app.config["DOSSIER_MAX_BYTES"]
    app.config["DOSSIER_MAX_BYTES"] = 1024 * 1024
    yield 1024 * 1024
    app.config["DOSSIER_MAX_BYTES"] = saved


def test_upload_over_size_limit_is_refused_and_nothing_is_stored(app, demo, one_megabyte):
    application = _draft(demo)
    content = PDF + b"0" * (one_megabyte + 1 - len(PDF))
    response = _upload(client_for(app, "holder"), application, content, "big.pdf")
    assert response.status_code == 422
    assert "The file is larger than 1 MB." in text_of(response)
    assert _rows() == 0
    assert files_on_disk(app) == []


def test_upload_at_size_limit_is_accepted(app, demo, one_megabyte):
    application = _draft(demo)
    content = PDF + b"0" * (one_megabyte - len(PDF))
    response = _upload(client_for(app, "holder"), application, content, "max.pdf")
    assert response.status_code == 302
    record = db.session.scalar(select(DossierFile))
    assert record.size == one_megabyte
    assert len(files_on_disk(app)) == 1


@pytest.mark.parametrize("content", [
    b"Just some text pretending to be a PDF\n",
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,
    b"<html><script>alert(1)</script></html>",
    b"PK\x03\x04 not really a zip",
    _zip_without_office_parts(),
], ids=["text", "executable", "html", "broken-zip", "zip-without-office-parts"])
def test_upload_named_pdf_with_other_content_is_refused_and_nothing_is_stored(app, demo, content):
    application = _draft(demo)
    response = _upload(client_for(app, "holder"), application, content, "report.pdf")
    assert response.status_code == 422
    assert "This file type is not accepted" in text_of(response)
    assert _rows() == 0
    assert files_on_disk(app) == []


def test_upload_empty_file_is_refused_and_nothing_is_stored(app, demo):
    application = _draft(demo)
    response = _upload(client_for(app, "holder"), application, b"", "empty.pdf")
    assert response.status_code in (400, 422)
    assert _rows() == 0
    assert files_on_disk(app) == []


@pytest.mark.parametrize(("content", "name", "content_type"), [
    (PDF, "a.pdf", "application/pdf"),
    (PNG, "scan.png", "image/png"),
    (JPEG, "photo.jpg", "image/jpeg"),
    (_office("docx"), "form.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (_office("xlsx"), "list.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (PDF, "named-wrongly.txt", "application/pdf"),
], ids=["pdf", "png", "jpeg", "docx", "xlsx", "type-by-content-not-name"])
def test_upload_of_accepted_type_records_size_type_and_hash(app, demo, content, name,
                                                            content_type):
    import hashlib

    application = _draft(demo)
    assert _upload(client_for(app, "holder"), application, content, name).status_code == 302
    record = db.session.scalar(select(DossierFile))
    assert (record.content_type, record.size) == (content_type, len(content))
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert files.path_of(record.stored_name).read_bytes() == content


def test_upload_stores_files_outside_static_under_generated_names(app, demo):
    application = _draft(demo)
    _upload(client_for(app, "holder"), application, PDF, "a.pdf")
    record = db.session.scalar(select(DossierFile))
    stored = files.path_of(record.stored_name).resolve()
    assert re.fullmatch(r"[0-9a-f]{32}", record.stored_name)
    assert stored.is_relative_to(Path(app.config["UPLOAD_FOLDER"]).resolve())
    assert not stored.is_relative_to(Path(app.static_folder).resolve())


def test_upload_after_submission_is_refused(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    rows, on_disk = _rows(), len(files_on_disk(app))
    assert _upload(client_for(app, "holder"), application, PDF, "late.pdf").status_code == 403
    assert (_rows(), len(files_on_disk(app))) == (rows, on_disk)
    with pytest.raises(DomainError):
        svc.add_dossier_file(application, "1", filename="late.pdf", stream=io.BytesIO(PDF),
                             actor=application.created_by)


def test_upload_to_unknown_chapter_is_refused(app, demo):
    application = _draft(demo)
    response = _upload(client_for(app, "holder"), application, PDF, "a.pdf", chapter="99")
    assert response.status_code == 400
    assert _rows() == 0
    assert files_on_disk(app) == []


def test_upload_by_another_holder_is_404(app, demo):
    application = _draft(demo)
    assert _upload(client_for(app, "holder.bj"), application, PDF, "a.pdf").status_code == 404
    assert _rows() == 0


# --- versions --------------------------------------------------------------------------------

def test_replacing_a_chapter_keeps_the_old_version_downloadable(app, demo):
    application = _draft(demo)
    client = client_for(app, "holder")
    first, second = PDF + b"% first\n", PDF + b"% second\n"
    assert _upload(client, application, first, "v1.pdf").status_code == 302
    assert _upload(client, application, second, "v2.pdf").status_code == 302
    old, new = db.session.scalars(select(DossierFile).order_by(DossierFile.version)).all()
    assert (old.version, old.is_current, new.version, new.is_current) == (1, False, 2, True)
    assert application.current_files()["1"].id == new.id
    for record, content in ((old, first), (new, second)):
        response = Download(client, f"{app_path(application)}/files/{record.id}")
        assert response.status_code == 200
        assert response.data == content
    page = text_of(client.get(app_path(application)))
    assert "v2.pdf" in page
    assert f"/files/{old.id}" in page


# --- who may download --------------------------------------------------------------------------

@pytest.mark.parametrize(("email", "status"), [
    ("holder", 200), ("reviewer", 200), ("approver", 200),
    ("holder.bj", 404), ("reviewer.js", 404), ("manufacturer", 404), ("admin", 404),
])
def test_download_only_for_holder_and_province_reviewers(app, demo, email, status):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    record = application.current_files()["1"]
    response = Download(client_for(app, email), f"{app_path(application)}/files/{record.id}")
    assert response.status_code == status
    if status == 200:
        # a PDF opens in the browser (issue 13 item 5: inline, sandboxed)
        assert response.headers["Content-Disposition"].startswith("inline")
        assert response.data == PDF
        assert response.mimetype == "application/pdf"


def test_download_anonymous_is_sent_to_sign_in(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    record = application.current_files()["1"]
    response = client_for(app).get(f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_download_of_a_draft_file_by_reviewer_is_404(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT)
    record = application.current_files()["1"]
    response = client_for(app, "reviewer").get(f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 404


def test_download_of_another_application_file_through_this_url_is_404(app, demo):
    mine = application_in(demo, K.INITIAL, S.SUBMITTED)
    theirs = application_in(demo, K.INITIAL, S.SUBMITTED, holder="holder.bj")
    record = theirs.current_files()["1"]
    response = client_for(app, "holder").get(f"{app_path(mine)}/files/{record.id}")
    assert response.status_code == 404


# --- file names --------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "shown"), [
    ("../../etc/passwd", "passwd"),
    ("/etc/shadow.pdf", "shadow.pdf"),
    ("..", "file"),
    (".htaccess", "htaccess"),
], ids=["dotdot", "absolute", "only-dots", "hidden"])
def test_upload_with_path_trick_name_is_stored_under_generated_name(app, demo, given, shown):
    application = _draft(demo)
    client = client_for(app, "holder")
    assert _upload(client, application, PDF, given).status_code == 302
    record = db.session.scalar(select(DossierFile))
    assert record.original_name == shown
    assert re.fullmatch(r"[0-9a-f]{32}", record.stored_name)
    [stored] = files_on_disk(app)
    assert stored.name == record.stored_name
    assert stored.resolve().is_relative_to(Path(app.config["UPLOAD_FOLDER"]).resolve())
    page = text_of(client.get(app_path(application)))
    assert f">{shown}</a>" in page
    assert given not in page.replace(shown, "")


@pytest.mark.parametrize(("given", "shown"), [
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("C:\\Users\\zhang\\申请表.pdf", "申请表.pdf"),
])
def test_upload_with_windows_path_name_keeps_the_last_part(app, demo, given, shown):
    # (through the service: the multipart parser already unescapes backslashes)
    application = _draft(demo)
    record = svc.add_dossier_file(application, "1", filename=given, stream=io.BytesIO(PDF),
                                  actor=application.created_by)
    assert record.original_name == shown
    assert re.fullmatch(r"[0-9a-f]{32}", record.stored_name)


def test_upload_with_300_character_name_is_shortened_keeping_the_extension(app, demo):
    application = _draft(demo)
    name = "申" * 296 + ".pdf"
    assert _upload(client_for(app, "holder"), application, PDF, name).status_code == 302
    record = db.session.scalar(select(DossierFile))
    assert len(record.original_name) <= 200
    assert record.original_name.endswith(".pdf")
    response = Download(client_for(app, "holder"), f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 200


@pytest.mark.parametrize("given", ["re\x00port.pdf", "evil\r\nSet-Cookie: x=1.pdf",
                                   "bell\x07\x1b[31m.pdf", "rtl\u202eFDP.exe"])
def test_upload_with_control_characters_in_name_is_shown_cleaned(app, demo, given):
    application = _draft(demo)
    record = svc.add_dossier_file(application, "1", filename=given, stream=io.BytesIO(PDF),
                                  actor=application.created_by)
    db.session.commit()
    assert not any(unicodedata.category(ch)[0] == "C" for ch in record.original_name)
    assert re.fullmatch(r"[0-9a-f]{32}", record.stored_name)
    response = Download(client_for(app, "holder"), f"{app_path(application)}/files/{record.id}")
    assert response.status_code == 200
    assert "\r" not in response.headers["Content-Disposition"]
    assert "\n" not in response.headers["Content-Disposition"]


# --- no file without its row -------------------------------------------------------------------

def test_rollback_after_file_was_written_leaves_no_file(app, demo):
    application = _draft(demo)
    svc.add_dossier_file(application, "1", filename="a.pdf", stream=io.BytesIO(PDF),
                         actor=application.created_by)
    assert len(files_on_disk(app)) == 1  # written before the commit
    db.session.rollback()
    assert files_on_disk(app) == []
    assert _rows() == 0


def test_error_after_file_was_written_in_a_request_leaves_no_file(app, demo, monkeypatch):
    application = _draft(demo)

    def broken_clock():  # type: ignore[no-untyped-def]
        raise RuntimeError("clock failure after the file was written")

    monkeypatch.setattr(svc, "utcnow", broken_clock)
    response = _upload(client_for(app, "holder"), application, PDF, "a.pdf")
    assert response.status_code == 500
    assert files_on_disk(app) == []
    assert _rows() == 0


def test_commit_keeps_the_file(app, demo):
    application = _draft(demo)
    svc.add_dossier_file(application, "1", filename="a.pdf", stream=io.BytesIO(PDF),
                         actor=application.created_by)
    db.session.commit()
    db.session.rollback()  # a later, unrelated rollback does not touch committed files
    assert len(files_on_disk(app)) == 1
    assert _rows() == 1
