"""Cross-province notices (信息通报): either province writes about an arrangement, with
attachments; the other answers in the same thread; each side sees when the other read it."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from devreg.arrangements.models import Notice
from devreg.extensions import db
from devreg.notifications.models import InboxItem
from tests.arrangements.builders import A
from tests.conftest import post
from tests.registrations.helpers import PDF


def _write(client, arrangement, body, files=()):  # type: ignore[no-untyped-def]
    data = {"body": body}
    if files:
        data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return post(client, f"/arrangements/{arrangement.id}/notices", data,
                token_from=f"/arrangements/{arrangement.id}",
                content_type="multipart/form-data")


def test_a_written_notice_is_answered_in_its_thread_with_read_receipts(world):
    arrangement = world.arrangement_in(A.CONFIRMED)  # Hebei holder, Jiangsu site
    hebei = world.client("reviewer")
    response = _write(hebei, arrangement, "请协助核查受托方洁净车间整改情况。",
                      files=[("整改报告.pdf", PDF)])
    assert response.status_code == 302
    notice = db.session.scalar(select(Notice).where(Notice.kind == "message"))
    assert (notice.from_province_code, notice.province_code) == ("13", "32")
    assert [a.original_name for a in notice.attachments] == ["整改报告.pdf"]
    # the Jiangsu reviewers are told; the sender's page shows it unread
    told = db.session.scalar(select(InboxItem).where(InboxItem.kind == "notice_received",
                                                     InboxItem.record_id == notice.id))
    assert told is not None and told.link == f"/notices/{notice.id}"
    page = hebei.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert 'data-testid="unread-receipt"' in page
    db.session.refresh(notice)
    assert notice.read_at is None  # the sender opening it is no receipt
    jiangsu = world.client("reviewer.js")
    page = jiangsu.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "请协助核查受托方洁净车间整改情况。" in page
    db.session.refresh(notice)
    assert notice.read_at is not None and notice.read_by.email == "reviewer.js@demo.devreg"
    page = hebei.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert re.search(r'data-testid="read-receipt">read by Jiangsu', page)
    attachment = notice.attachments[0]
    download = jiangsu.get(f"/notices/{notice.id}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    # Jiangsu answers in the thread; Hebei is told and its opening is the receipt
    answer = post(jiangsu, f"/notices/{notice.id}/answer", {"body": "已完成现场核查，整改到位。"},
                  token_from=f"/notices/{notice.id}")
    assert answer.status_code == 302
    reply = db.session.scalar(select(Notice).where(Notice.thread_id == notice.id))
    assert (reply.from_province_code, reply.province_code) == ("32", "13")
    assert db.session.scalar(select(InboxItem).where(
        InboxItem.kind == "notice_received", InboxItem.record_id == reply.id,
        InboxItem.user_id == world.user("reviewer").id)) is not None
    thread = hebei.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert thread.index("请协助核查") < thread.index("已完成现场核查")
    db.session.refresh(reply)
    assert reply.read_at is not None and reply.read_by.email == "reviewer@demo.devreg"


def test_others_never_see_the_thread_or_its_files(world):
    arrangement = world.arrangement_in(A.CONFIRMED)
    _write(world.client("reviewer"), arrangement, "通报", files=[("a.pdf", PDF)])
    notice = db.session.scalar(select(Notice).where(Notice.kind == "message"))
    attachment = notice.attachments[0]
    for email in ("reviewer.bj", "holder", "manufacturer", "admin"):
        client = world.client(email)
        assert client.get(f"/notices/{notice.id}").status_code == 404, email
        assert client.get(f"/notices/{notice.id}/files/{attachment.id}").status_code == 404


def test_a_notice_needs_text_and_another_province(world):
    arrangement = world.arrangement_in(A.CONFIRMED)
    hebei = world.client("reviewer")
    empty = _write(hebei, arrangement, "")
    assert empty.status_code == 422
    assert db.session.scalar(select(Notice).where(Notice.kind == "message")) is None
    local = world.arrangement_in(A.CONFIRMED, site=world.hb_site, category="09")
    refused = _write(hebei, local, "本省内通报")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "concerns your province only" in page and "本省内通报" in page  # kept as typed
    assert db.session.scalar(select(Notice).where(Notice.kind == "message")) is None


def test_an_automatic_notice_gets_its_read_receipt_too(world):
    arrangement = world.arrangement_in(A.CONFIRMED)
    automatic = db.session.scalar(select(Notice).where(
        Notice.arrangement_id == arrangement.id, Notice.kind == "confirmed",
        Notice.province_code == "32"))
    world.client("reviewer").get(f"/notices/{automatic.id}")  # Hebei: not its copy
    db.session.refresh(automatic)
    assert automatic.read_at is None
    world.client("reviewer.js").get(f"/notices/{automatic.id}")
    db.session.refresh(automatic)
    assert automatic.read_at is not None
    supervision = world.client("reviewer.js").get("/supervision").get_data(as_text=True)
    assert 'data-testid="read-receipt"' in supervision
