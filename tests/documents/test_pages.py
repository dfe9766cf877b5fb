"""Documents on the web: listed on their record, downloaded byte for byte, checked on the
public verify page; seals uploaded by administrators only."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from devreg.documents.kinds import DocumentKind as Kind
from devreg.documents.models import Document, ProvinceSeal
from devreg.documents.services import SEAL_MAX_BYTES, read_bytes
from devreg.extensions import db
from tests.conftest import post
from tests.documents.helpers import png
from tests.registrations.helpers import K, S, app_path, application_in, client_for, text_of


def accepted(demo, name: str = "体温计 页面"):  # type: ignore[no-untyped-def]
    application = application_in(demo, K.INITIAL, S.ACCEPTED, name=name)
    document = db.session.scalar(select(Document).where(
        Document.application_id == application.id, Document.kind == Kind.ACCEPTANCE.value))
    return application, document


def download(client, document: Document):  # type: ignore[no-untyped-def]
    with client.get(f"/documents/{document.id}") as response:
        return response.status_code, response.headers, response.data


def test_the_application_page_lists_its_documents(app, demo):
    application, document = accepted(demo)
    for lang, title in (("en", "Acceptance notice (受理通知书)"), ("zh_CN", "受理通知书")):
        page = text_of(client_for(app, "holder", lang=lang).get(app_path(application)))
        assert f'href="/documents/{document.id}"' in page
        assert title in page and document.number in page


def test_a_redownload_returns_the_same_bytes(app, demo):
    _application, document = accepted(demo)
    client = client_for(app, "holder")
    status, headers, first = download(client, document)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''" in headers["Content-Disposition"]
    _status, _headers, second = download(client_for(app, "reviewer"), document)
    assert first == second == read_bytes(document)
    assert hashlib.sha256(first).hexdigest() == document.sha256 == headers["X-Document-SHA256"]


def test_the_certificate_page_lists_the_certificate_sheet(app, demo):
    application = application_in(demo, K.INITIAL, S.APPROVED, name="电子血压计 证书页")
    sheet = db.session.scalar(select(Document).where(Document.kind == "certificate"))
    page = text_of(client_for(app, "holder").get(
        f"/certificates/{application.certificate_id}"))
    assert f'href="/documents/{sheet.id}"' in page
    assert "Registration certificate (医疗器械注册证)" in page


# --- the public hash check -------------------------------------------------------------------

def test_verify_page_matches_the_uploaded_pdf(app, demo):
    _application, document = accepted(demo)
    client = app.test_client()
    page = f"/verify/documents/{document.number}"
    shown = text_of(client.get(page))
    assert document.number in shown and document.sha256 in shown
    response = multipart(client, page, {"file": (read_bytes(document), "a.pdf")},
                         token_from=page)
    assert response.status_code == 200
    assert "Match: this is the document devreg issued" in text_of(response)


def test_verify_page_refuses_an_altered_pdf(app, demo):
    _application, document = accepted(demo)
    client = app.test_client()
    page = f"/verify/documents/{document.number}"
    altered = read_bytes(document) + b"\n% one more byte"
    response = multipart(client, page, {"file": (altered, "a.pdf")}, token_from=page)
    assert response.status_code == 409
    assert "No match" in text_of(response)


def test_verify_page_checks_a_pasted_sha256(app, demo):
    _application, document = accepted(demo)
    client = app.test_client()
    page = f"/verify/documents/{document.number}"
    ok = post(client, page, {"sha256": document.sha256.upper()}, token_from=page)
    assert ok.status_code == 200 and "Match:" in text_of(ok)
    other = post(client, page, {"sha256": "0" * 64}, token_from=page)
    assert other.status_code == 409 and "No match" in text_of(other)


@pytest.mark.parametrize(("lang", "message"), [
    ("en", "A SHA-256 is 64 hexadecimal characters"),
    ("zh_CN", "SHA-256 摘要是 64 位十六进制字符"),
])
def test_verify_page_explains_a_malformed_sha256_and_keeps_it(app, demo, lang, message):
    _application, document = accepted(demo)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    page = f"/verify/documents/{document.number}"
    response = post(client, page, {"sha256": "not-a-hash"}, token_from=page)
    assert response.status_code == 400
    body = text_of(response)
    assert message in body and 'value="not-a-hash"' in body


def test_verify_page_asks_for_a_file_or_a_hash(app, demo):
    _application, document = accepted(demo)
    client = app.test_client()
    page = f"/verify/documents/{document.number}"
    response = post(client, page, {}, token_from=page)
    assert response.status_code == 400
    assert "Upload the PDF or paste its SHA-256." in text_of(response)


def test_verify_page_of_an_unknown_number_is_a_plain_404(app, demo):
    response = app.test_client().get("/verify/documents/冀械受通〔2099〕9999号")
    assert response.status_code == 404
    assert "devreg issued no document with this number" in text_of(response)


# --- seals -----------------------------------------------------------------------------------

def multipart(client, path: str, fields: dict, token_from: str):  # type: ignore[no-untyped-def]
    """POST a multipart form encoded in memory (the test client would spool a large body to
    a temporary file that nothing closes)."""
    from tests.conftest import csrf_token

    values = {"csrf_token": csrf_token(client, token_from)}
    for key, value in fields.items():
        values[key] = (FileStorage(io.BytesIO(value[0]), filename=value[1],
                                   content_type="application/octet-stream")
                       if isinstance(value, tuple) else value)
    boundary, body = encode_multipart(MultiDict(values))
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def upload_seal(client, content: bytes, name: str = "seal.png", province: str = "13"):  # type: ignore[no-untyped-def]
    return multipart(client, "/admin/seals", {"province": province, "file": (content, name)},
                     token_from="/admin/seals")


def test_an_admin_uploads_a_seal_and_later_documents_carry_it(app, demo):
    _application, before = accepted(demo, "体温计 无印章")
    admin = client_for(app, "admin")
    response = upload_seal(admin, png())
    assert response.status_code == 302
    seal = db.session.scalar(select(ProvinceSeal))
    assert (seal.province_code, seal.content_type) == ("13", "image/png")
    assert admin.get("/admin/seals/13").data == png()
    _application, after = accepted(demo, "体温计 有印章")
    from tests.documents.helpers import pdf_text

    assert "（印章）" in pdf_text(read_bytes(before))  # issued before: the placeholder stays
    assert "（印章）" not in pdf_text(read_bytes(after))
    assert b"/Subtype /Image" in read_bytes(after) or b"/Subtype/Image" in read_bytes(after)


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"%PDF-1.4 not an image", "seal.png", "The seal must be a PNG or JPEG image."),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * SEAL_MAX_BYTES, "big.png",
     "The seal image is larger than 1024 KB."),
    (b"", "empty.png", "The file is empty."),
], ids=["not-an-image", "too-big", "empty"])
def test_a_bad_seal_is_refused_with_a_message(app, demo, content, name, message):
    response = upload_seal(client_for(app, "admin"), content, name, province="32")
    assert response.status_code in (400, 422)
    body = text_of(response)
    assert message in body
    # the form keeps the province chosen
    assert re.search(r'<option selected value="32">|<option value="32" selected>', body)
    assert db.session.scalar(select(ProvinceSeal)) is None


def test_a_bad_seal_message_is_in_chinese_for_a_chinese_admin(app, demo):
    client = client_for(app, "admin", lang="zh_CN")
    response = upload_seal(client, b"GIF89a....", "seal.gif")
    assert response.status_code == 422
    assert "印章须为 PNG 或 JPEG 图片。" in text_of(response)


@pytest.mark.parametrize("email", ["holder", "reviewer", "approver", "manufacturer"])
def test_only_admins_upload_seals(app, demo, email):
    client = client_for(app, email)
    assert client.get("/admin/seals").status_code == 403
    # refused before the form is read (no file: the test client would leave its spool open)
    response = post(client, "/admin/seals", {"province": "13"}, token_from="/home")
    assert response.status_code == 403
    assert db.session.scalar(select(ProvinceSeal)) is None


@pytest.mark.parametrize("email", ["holder", "holder.bj", "manufacturer", "reviewer",
                                   "approver", "reviewer.js", "admin"])
def test_a_document_is_visible_exactly_to_who_sees_its_application(app, demo, email):
    application, document = accepted(demo)
    client = client_for(app, email)
    page = client.get(app_path(application)).status_code
    status, _headers, _data = download(client, document)
    assert (page, status) in ((200, 200), (404, 404))
    if email in ("holder", "reviewer"):
        assert status == 200
    if email in ("holder.bj", "reviewer.js", "manufacturer"):
        assert status == 404
