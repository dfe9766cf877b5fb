"""Issue 13 items 4 and 5 in a real browser: the reviewer accepts, the approver approves, and
the holder downloads the acceptance notice and the certificate as PDFs that read correctly in
Chinese and match their stored hash; the public verify page checks an uploaded PDF; a dossier
PDF is served for preview in place, sandboxed."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from devreg.clock import china_today
from devreg.registrations.states import ApplicationState as S
from tests.browser.helpers import PASSWORD, pdf_bytes, sign_action, state_is, submit

pytestmark = pytest.mark.browser

HOLDER, REVIEWER, APPROVER = ("holder@demo.devreg", "reviewer@demo.devreg",
                              "approver@demo.devreg")
DEVICE = "医用红外体温计（文书）"
REQUIREMENTS = "1. 测量范围：32.0 ℃～42.9 ℃\n2. 最大允许误差：±0.2 ℃"


def _submitted(live) -> int:  # type: ignore[no-untyped-def]
    """A submitted first registration of the Hebei holder, through the services (the
    registration journey drives these steps in the browser already)."""
    from devreg.audit.services import acting_as
    from devreg.auth.services import find_user_by_email
    from devreg.extensions import db
    from devreg.registrations import services as filing
    from devreg.registrations.kinds import ApplicationKind

    with live.app.app_context():
        holder = find_user_by_email(HOLDER)
        with acting_as(holder.id, holder.email):
            device = filing.create_device(filing.DeviceData(
                name=DEVICE, model_spec="HW-1、HW-2", structure="主机、探头", device_class="2",
                intended_use="用于测量人体体温。", category_code="07", is_ivd_reagent=False,
                technical_requirements=REQUIREMENTS), holder_org_id=holder.organisation_id)
            application = filing.create_application(
                ApplicationKind.INITIAL, device, actor=holder, today=china_today(),
                production_address=holder.organisation.address)
            for chapter in application.checklist:
                filing.add_dossier_file(application, chapter.code,
                                        filename=f"{chapter.code}.pdf",
                                        stream=io.BytesIO(pdf_bytes(chapter.code)),
                                        actor=holder)
            filing.submit_application(application, actor=holder, password=PASSWORD,
                                      declaration=True, today=china_today())
        db.session.commit()
        return application.id


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def _stored(live, number: str):  # type: ignore[no-untyped-def]
    from devreg.documents.models import Document
    from devreg.extensions import db

    with live.app.app_context():
        return db.session.scalar(select(Document).where(Document.number == number))


def _download(page, test_id: str) -> bytes:  # type: ignore[no-untyped-def]
    link = page.get_by_test_id(test_id).locator("a").first
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    with open(download.path(), "rb") as handle:
        return handle.read()


def test_documents_are_issued_downloaded_and_verified(people, live, shoot) -> None:
    path = f"/applications/{_submitted(live)}"
    cn_today = "{0.year}年{0.month:02d}月{0.day:02d}日".format(china_today())

    # --- the reviewer accepts: the acceptance notice is listed at once --------------------
    reviewer = people(REVIEWER)
    reviewer.goto(path)
    sign_action(reviewer, "accept")
    state_is(reviewer, live, S.ACCEPTED)
    expect(reviewer.get_by_test_id("document-acceptance")).to_contain_text("受理通知书")

    # the rest of the review through the browser too, then the approval
    me = reviewer.locator("#action-assign select[name=reviewer_id] option", has_text="刘洋")
    reviewer.locator("#action-assign select[name=reviewer_id]").select_option(
        me.get_attribute("value"))
    sign_action(reviewer, "assign")
    sign_action(reviewer, "qms", result="pass", notes="")
    sign_action(reviewer, "opinion", recommendation="approve", text="符合要求，建议准予注册。")
    approver = people(APPROVER)
    approver.goto(path)
    sign_action(approver, "decide", decision="approve")
    state_is(approver, live, S.APPROVED)
    number = approver.get_by_test_id("certificate-link").inner_text().strip()

    # --- the holder downloads the notice and the certificate ----------------------------
    holder = people(HOLDER)
    holder.goto(path)
    documents = holder.get_by_test_id("documents")
    for kind in ("acceptance", "approval", "certificate"):
        expect(documents.get_by_test_id(f"document-{kind}")).to_be_visible()
    # look at the list: wide and narrow, English and Chinese
    for locale in ("en", "zh"):
        for width, height in ((1366, 900), (390, 844)):
            holder.set_viewport_size({"width": width, "height": height})
            documents.scroll_into_view_if_needed()
            shoot(holder, f"d1-application-documents-{locale}-{width}.png")
        holder.set_viewport_size({"width": 1280, "height": 900})  # the switch is in the bar
        submit(holder.get_by_test_id("language-switch"))
        documents = holder.get_by_test_id("documents")
    holder.set_viewport_size({"width": 1280, "height": 900})
    expect(holder.locator("html")).to_have_attribute("lang", "en")

    notice = _download(holder, "document-acceptance")
    text = _text(notice)
    acceptance_number = re.search(r"冀械受通〔\d{4}〕\d{4}号", text)
    assert acceptance_number, text[:300]
    assert "受理通知书" in text and "石家庄康联医疗科技有限公司" in text
    assert f"受理日期：{cn_today}" in text and "河北省药品监督管理局" in text
    stored = _stored(live, acceptance_number.group(0))
    assert hashlib.sha256(notice).hexdigest() == stored.sha256
    assert _download(holder, "document-acceptance") == notice  # the same bytes again

    sheet = _download(holder, "document-certificate")
    text = _text(sheet)
    assert f"注册证编号：{number}" in text and "产品名称医用红外体温计（文书）" in text
    assert f"批准日期{cn_today}" in text and "附件产品技术要求" in text
    assert "1.测量范围：32.0℃～42.9℃" in text and "状态" not in text

    # the certificate page lists its sheet
    holder.get_by_test_id("certificate-link").click()
    holder.wait_for_url(re.compile(r"/certificates/\d+$"))
    expect(holder.get_by_test_id("document-certificate")).to_be_visible()

    # --- anyone checks the PDF on the public verify page -------------------------------
    public = people.anonymous()
    public.goto(f"/verify/documents/{acceptance_number.group(0)}")
    form = public.get_by_test_id("hash-form")
    form.locator("input[type=file]").set_input_files(
        {"name": "notice.pdf", "mimeType": "application/pdf", "buffer": notice})
    submit(form.locator("button[type=submit]"))
    expect(public.get_by_test_id("hash-verdict")).to_contain_text("Match")
    form = public.get_by_test_id("hash-form")
    form.locator("input[type=file]").set_input_files(
        {"name": "notice.pdf", "mimeType": "application/pdf", "buffer": notice + b"%x"})
    submit(form.locator("button[type=submit]"), status=409)
    expect(public.get_by_test_id("hash-verdict")).to_contain_text("No match")
    shoot(public, "d2-verify-document-mismatch.png")

    # --- the administrator's seal page ---------------------------------------------------
    admin = people("admin@demo.devreg")
    admin.goto("/admin/seals")
    expect(admin.get_by_test_id("seal-13")).to_contain_text("（印章）")
    shoot(admin, "d3-seals.png")

    # --- a dossier PDF opens in place, sandboxed --------------------------------------
    holder.goto(path)
    href = holder.get_by_test_id("dossier").locator("a[href*='/files/']").first.get_attribute(
        "href")
    answer = holder.request.get(href)
    assert answer.status == 200
    assert answer.headers["content-disposition"].startswith("inline")
    assert answer.headers["content-security-policy"].startswith("sandbox")
    assert answer.headers["x-content-type-options"] == "nosniff"
