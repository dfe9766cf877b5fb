"""The demo (issue 13 "done means"): the holder's inbox and mailbox show the acceptance,
supplement and decision messages; a reviewer has a digest; a Hebei-Jiangsu notice thread
shows its read receipts."""

from __future__ import annotations

from sqlalchemy import select

from devreg.arrangements.models import Notice
from devreg.audit.services import acting_as
from devreg.auth.services import find_user_by_email
from devreg.demo.loader import load_demo
from devreg.extensions import db
from devreg.notifications.models import InboxItem, OutboxMessage
from devreg.notifications.sending import send_due


def test_demo_inbox_mailbox_digest_and_notice_thread(app, smtp):
    with acting_as(None, "test"):
        load_demo()
    db.session.commit()
    holder = find_user_by_email("holder@demo.devreg")
    kinds = set(db.session.scalars(select(InboxItem.kind).where(InboxItem.user_id == holder.id)))
    assert {"application_accepted", "supplement_requested", "decision"} <= kinds
    assert db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.kind == "reviewer_digest")) is not None
    send_due()
    subjects = " ".join(m["Subject"] for m in smtp.to("holder@demo.devreg"))
    # the demo accounts follow the default language (English in the tests)
    assert " accepted: " in subjects and "Supplement notice" in subjects
    assert "Approved: " in subjects
    question = db.session.scalar(select(Notice).where(Notice.kind == "message",
                                                      Notice.thread_id.is_(None)))
    answer = db.session.scalar(select(Notice).where(Notice.thread_id == question.id))
    assert (question.from_province_code, question.province_code) == ("13", "32")
    assert question.read_at is not None and answer.read_at is None
    with acting_as(None, "test"):
        load_demo()  # idempotent: the thread is not written twice
    db.session.commit()
    assert len(list(db.session.scalars(select(Notice).where(Notice.kind == "message")))) == 2
