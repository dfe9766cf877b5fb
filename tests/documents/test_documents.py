"""Official documents: issued once, through the domain events, when their act happens; their
text (read back with pypdf) says what the act was, with the number, the names, the dates
written 2026年03月02日 and, on the certificate, the 附件."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from devreg import events
from devreg.audit.services import acting_as
from devreg.documents import services as documents
from devreg.documents.cli import backfill
from devreg.documents.kinds import DocumentKind as Kind
from devreg.documents.models import Document
from devreg.documents.numbering import format_number
from devreg.extensions import db
from devreg.review import services as review
from devreg.storage import storage
from tests.documents.helpers import document_text, pdf_text
from tests.registrations.helpers import (
    PASSWORD,
    D,
    K,
    S,
    advance,
    application_in,
    certificate_for,
    new_draft,
    path_to,
    right_actor,
)

HOLDER = "石家庄康联医疗科技有限公司"
AUTHORITY = "河北省药品监督管理局"
DAY = "2026年03月02日"  # D, as paper writes it
TECHNICAL_REQUIREMENTS = "1. 血压测量范围：0 kPa～40 kPa\n2. 静压准确度：±0.4 kPa"


def docs_of(application) -> dict[str, Document]:  # type: ignore[no-untyped-def]
    return {d.kind: d for d in db.session.scalars(select(Document).where(
        Document.application_id == application.id))}


def only(application, kind: Kind) -> Document:  # type: ignore[no-untyped-def]
    rows = [d for d in docs_of(application).values() if d.kind == kind.value]
    assert len(rows) == 1, (kind, rows)
    return rows[0]


def count_documents() -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


def test_acceptance_notice_is_issued_on_acceptance(demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="体温计 受理")
    assert docs_of(application) == {}  # nothing before the act
    advance(application, ("accept",))
    notice = only(application, Kind.ACCEPTANCE)
    assert notice.number == "冀械受通〔2026〕0001号"
    text = document_text(notice)
    assert "受理通知书" in text and notice.number in text
    assert f"{HOLDER}：" in text and "体温计受理" in text  # pypdf drops the space
    assert f"受理号{application.acceptance_number}" in text
    assert f"受理日期：{DAY}" in text and AUTHORITY in text
    assert "第五十三条" in text and "（印章）" in text  # no seal uploaded: the placeholder
    assert "2026-03-02" not in text


def test_correction_notice_lists_every_item(demo):
    application = application_in(demo, K.INITIAL, S.CORRECTION_REQUESTED, name="体温计 补正")
    text = document_text(only(application, Kind.CORRECTION))
    assert "补正通知书" in text and "冀械补正〔2026〕0001号" in text
    assert "1.申请表缺少签章" in text and "2.补充产品照片" in text
    assert "第五十三条第（三）项" in text and DAY in text
    assert Kind.ACCEPTANCE.value not in docs_of(application)


def test_non_acceptance_notice_states_the_reasons(demo):
    application = application_in(demo, K.INITIAL, S.NOT_ACCEPTED, name="体温计 不予受理")
    text = document_text(only(application, Kind.NON_ACCEPTANCE))
    assert "不予受理通知书" in text and "不属于第二类医疗器械" in text and DAY in text


def test_supplement_notice_carries_its_deadline(demo):
    application = application_in(demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, name="体温计 补充")
    text = document_text(only(application, Kind.SUPPLEMENT))
    assert "补充资料通知书" in text and "补充电磁兼容检验报告" in text
    # Order 47 Art 54: one calendar year from the notice
    assert "即2027年03月02日前" in text and "第五十四条" in text


def test_extension_notice_states_days_and_reason(demo):
    application = application_in(demo, K.INITIAL, S.IN_REVIEW, name="体温计 延期")
    with acting_as(None, "test"):
        review.extend_clock(application, actor=right_actor("approve", application),
                            password=PASSWORD, working_days=20, reason="需组织专家论证",
                            today=D)
        db.session.commit()
    text = document_text(only(application, Kind.EXTENSION))
    assert "延长审评时限告知书" in text and "延长20个工作日" in text
    assert "需组织专家论证" in text and "第九十六条" in text and "原时限60个工作日" in text


def test_approval_decision_and_certificate_with_its_annex(demo):
    application = new_draft(demo, K.INITIAL, name="电子血压计 证书")
    application.device.technical_requirements = TECHNICAL_REQUIREMENTS
    db.session.commit()
    advance(application, path_to(K.INITIAL, S.APPROVED))
    certificate = application.certificate
    decision = document_text(only(application, Kind.APPROVAL))
    assert "准予注册决定书" in decision and f"注册证编号：{certificate.number}" in decision
    assert "第五十八条" in decision and DAY in decision
    sheet = only(application, Kind.CERTIFICATE)
    assert sheet.certificate_id == certificate.id
    text = document_text(sheet)
    assert f"注册证编号：{certificate.number}" in text and "医疗器械注册证" in text
    assert f"注册人名称{HOLDER}" in text and "产品名称电子血压计证书" in text
    assert f"批准日期{DAY}" in text and "有效期至2031年03月01日" in text
    assert f"审批部门{AUTHORITY}" in text and "其他内容" in text and "备注" in text
    # 附件: the approved product technical requirements, as frozen at submission (Art 58)
    assert "附件产品技术要求" in text
    assert "1.血压测量范围：0kPa～40kPa" in text and "2.静压准确度：±0.4kPa" in text
    # validity is on the verify page, never printed (DOMAIN §10)
    assert "状态" not in text and "有效期至" in text


def test_refusal_decision_states_the_right_to_review_or_litigation(demo):
    application = application_in(demo, K.INITIAL, S.REFUSED, name="体温计 不予注册")
    text = document_text(only(application, Kind.REFUSAL))
    assert "不予注册决定书" in text and "不符合安全有效要求" in text
    # Order 47 Art 58: the refusal states the right to administrative review or litigation
    assert "申请人享有依法申请行政复议或者提起行政诉讼的权利" in text and "第五十八条" in text
    assert Kind.CERTIFICATE.value not in docs_of(application)


def test_change_document(demo):
    certificate = certificate_for(demo, name="电子血压计 变更")
    change = application_in(demo, K.CHANGE, S.APPROVED, certificate=certificate)
    decision = document_text(only(change, Kind.APPROVAL))
    assert "准予变更注册决定书" in decision
    sheet = only(change, Kind.CHANGE_DOCUMENT)
    assert sheet.certificate_id == certificate.id
    text = document_text(sheet)
    assert "医疗器械变更注册文件" in text and certificate.number in text
    row = certificate.change_documents[0].items[0]
    assert "".join(row["after"].split()) in text and "第八十一条" in text


def test_renewal_issues_a_new_certificate_sheet(demo):
    certificate = certificate_for(demo, name="电子血压计 延续", approved_on=date(2022, 3, 1))
    renewal = application_in(demo, K.RENEWAL, S.APPROVED, certificate=certificate,
                             today=date(2026, 8, 3))
    text = document_text(only(renewal, Kind.CERTIFICATE))
    assert certificate.number in text and "有效期至2032年02月29日" in text
    assert "准予延续注册决定书" in document_text(only(renewal, Kind.APPROVAL))


def test_a_repeated_event_makes_no_second_document(demo):
    application = application_in(demo, K.INITIAL, S.ACCEPTED, name="体温计 重复")
    first = only(application, Kind.ACCEPTANCE)
    before = count_documents()
    events.application_accepted.send(application, actor=None, deemed=False)
    db.session.commit()
    assert count_documents() == before
    assert only(application, Kind.ACCEPTANCE).number == first.number


def test_the_database_refuses_a_second_document_of_an_act(demo):
    application = application_in(demo, K.INITIAL, S.ACCEPTED, name="体温计 唯一")
    first = only(application, Kind.ACCEPTANCE)
    db.session.add(Document(kind=first.kind, number="另一个编号", application_id=application.id,
                            round=1, province_code="13", issued_on=D, sha256="0" * 64, size=1,
                            storage_key="documents/x.pdf"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(Document(kind="correction", number=first.number,
                            application_id=application.id, round=1, province_code="13",
                            issued_on=D, sha256="0" * 64, size=1, storage_key="documents/y.pdf"))
    with pytest.raises(IntegrityError):  # document numbers are unique
        db.session.commit()
    db.session.rollback()


def test_a_rolled_back_act_leaves_no_document_and_no_file(demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="体温计 回滚")
    with acting_as(None, "test"):
        review.accept(application, actor=right_actor("accept", application),
                      password=PASSWORD, today=D)
        document = only(application, Kind.ACCEPTANCE)
        key = document.storage_key
        assert storage().exists(key)
        db.session.rollback()
    assert not storage().exists(key)
    assert count_documents() == 0


def test_numbers_run_per_kind_province_and_year_as_the_setting_says(app, demo):
    a = application_in(demo, K.INITIAL, S.ACCEPTED, name="体温计 一")
    b = application_in(demo, K.INITIAL, S.ACCEPTED, name="体温计 二")
    assert [only(a, Kind.ACCEPTANCE).number, only(b, Kind.ACCEPTANCE).number] == [
        "冀械受通〔2026〕0001号", "冀械受通〔2026〕0002号"]
    pattern = "{abbr}药监械{word}{year}-{serial:05d}"
    assert format_number(Kind.REFUSAL, abbreviation="苏", year=2027, serial=12,
                         pattern=pattern) == "苏药监械不准2027-00012"
    app.config["DOCUMENT_NUMBER_FORMAT"] = "{abbr}{year}{kind}{serial:03d}"
    try:
        c = application_in(demo, K.INITIAL, S.ACCEPTED, name="体温计 三")
        assert only(c, Kind.ACCEPTANCE).number == "冀2026acceptance003"
    finally:
        app.config["DOCUMENT_NUMBER_FORMAT"] = "{abbr}械{word}〔{year}〕{serial:04d}号"


def test_backfill_issues_what_is_missing_once(app, demo):
    application = application_in(demo, K.INITIAL, S.ACCEPTED, name="体温计 补发")
    kept = only(application, Kind.ACCEPTANCE)
    db.session.delete(kept)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["documents", "backfill"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "documents backfill: 1 generated, 0 already present"
    again = runner.invoke(args=["documents", "backfill"])
    assert again.output.strip() == "documents backfill: 0 generated, 1 already present"
    assert backfill() == (0, 1)


def test_documents_for_lists_an_application_and_a_certificate(demo):
    from devreg.documents.queries import documents_for

    certificate = certificate_for(demo, name="电子血压计 列表")
    application = db.session.get(type(certificate.device).__mro__[0], certificate.device_id)
    assert application is not None
    initial = certificate.application_id
    from devreg.registrations.models import Application

    kinds = [d.kind for d in documents_for(db.session.get(Application, initial))]
    assert kinds == ["acceptance", "approval", "certificate"]
    assert [d.kind for d in documents_for(certificate)] == ["certificate"]


def test_the_stored_bytes_hash_to_the_recorded_sha256(demo):
    application = application_in(demo, K.INITIAL, S.ACCEPTED, name="体温计 摘要")
    document = only(application, Kind.ACCEPTANCE)
    data = documents.read_bytes(document)
    assert hashlib.sha256(data).hexdigest() == document.sha256 and len(data) == document.size
    assert data.startswith(b"%PDF-") and "受理通知书" in pdf_text(data)
    assert io.BytesIO(data).getbuffer().nbytes == document.size


def test_outside_a_request_the_qr_code_and_link_use_public_url(app, demo):
    """The sweep, the commands and the demo loader issue documents with no request: the
    verification link is built on PUBLIC_URL (without SERVER_NAME, url_for alone fails)."""
    application = application_in(demo, K.INITIAL, S.SUBMITTED, name="体温计 命令")
    saved = app.config["SERVER_NAME"], app.config.get("PUBLIC_URL")
    app.config.update(SERVER_NAME=None, PUBLIC_URL="https://devreg.nmpa.example")
    try:
        with acting_as(None, "test"):
            review.deem_accepted(application, today=D)  # what the sweep does
            db.session.commit()
    finally:
        app.config.update(SERVER_NAME=saved[0], PUBLIC_URL=saved[1])
    notice = only(application, Kind.ACCEPTANCE)
    text = document_text(notice)
    assert f"https://devreg.nmpa.example/verify/documents/{notice.number}" in text
