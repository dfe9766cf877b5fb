"""Demo notices and digest (issue 13), after the arrangement scenarios:

- a notice thread between Hebei and Jiangsu about the masks made in Jiangsu: Hebei asks,
  Jiangsu reads it (the receipt Hebei sees) and answers, and Hebei has not yet read the answer;
- today's digest for the reviewers with files due soon or overdue.

The holder's inbox (and outbox) already holds the acceptance, supplement and decision
messages: the registration scenarios went through the services, whose events the listeners
turned into messages. Idempotent: the thread is written once."""

from __future__ import annotations

from sqlalchemy import select

from devreg.arrangements import notices
from devreg.arrangements.models import Arrangement, Notice
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.clock import china_today
from devreg.extensions import db
from devreg.orgs.models import Organisation
from devreg.registrations.models import Device

QUESTION = "请协助核查苏州受托生产企业医用外科口罩洁净车间的整改情况，并于 10 个工作日内反馈。"
ANSWER = "已于本周完成现场核查：压差记录与监测报告齐全，整改到位。现场照片见附件。"


def load_notifications(orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    from devreg.notifications.reminders import reviewer_digests

    masks = db.session.scalar(select(Arrangement).join(Device).where(
        Device.name == "医用外科口罩", Arrangement.holder_org_id == orgs["holder_hebei"].id))
    hebei, jiangsu = users["reviewer@demo.devreg"], users["reviewer.js@demo.devreg"]
    if masks is not None and masks.is_cross_regional and db.session.scalar(
            select(Notice.id).where(Notice.arrangement_id == masks.id,
                                    Notice.kind == notices.MESSAGE)) is None:
        with acting_as(hebei.id, hebei.email):
            question = notices.write(masks, actor=hebei, body=QUESTION)
        with acting_as(jiangsu.id, jiangsu.email):
            notices.mark_read(notices.thread_of(question), reader=jiangsu)
            notices.write(masks, actor=jiangsu, body=ANSWER, answering=question)
    with acting_as(None, "sweep"):
        reviewer_digests(china_today(), any_day=True)
    db.session.flush()
