"""The in-app inbox: the same events as the e-mails, read and unread, a filter, the navbar's
unread count (one statement however many items), and the per-kind choices on the account page,
where decisions and legal deadlines cannot be turned off."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from devreg.arrangements import services as arrangements
from devreg.bench.statements import count_statements
from devreg.db import utcnow
from devreg.extensions import db
from devreg.notifications.models import InboxItem, NotificationPreference, OutboxMessage
from devreg.notifications.services import Link, notify
from devreg.review import services as review
from tests.conftest import post
from tests.registrations.helpers import PASSWORD, K, S, application_in, right_actor

UNREAD = re.compile(r'data-testid="unread-count">(\d+)')


def _unread_badge(client) -> int:  # type: ignore[no-untyped-def]
    match = UNREAD.search(client.get("/home").get_data(as_text=True))
    return int(match.group(1)) if match else 0


def _items(user) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(InboxItem).where(InboxItem.user_id == user.id)
                                   .order_by(InboxItem.id)))


def _accepted(world):  # type: ignore[no-untyped-def]
    application = application_in(world.demo, K.INITIAL, S.SUBMITTED)
    review.accept(application, actor=right_actor("accept", application), password=PASSWORD,
                  today=application.received_on)
    db.session.commit()
    return application


def test_inbox_lists_the_event_and_the_navbar_counts_it_until_read(world):
    application = _accepted(world)
    client = world.client("holder")
    assert _unread_badge(client) == 1
    page = client.get("/inbox").get_data(as_text=True)
    assert f"Application {application.acceptance_number} accepted" in page
    [item] = _items(world.user("holder"))
    assert item.link == f"/applications/{application.id}" and item.read_at is None
    opened = client.get(f"/inbox/{item.id}").get_data(as_text=True)
    assert "Your application has been accepted" in opened
    db.session.refresh(item)
    assert item.read_at is not None and _unread_badge(client) == 0
    post(client, f"/inbox/{item.id}/unread", token_from="/inbox")
    db.session.refresh(item)
    assert item.read_at is None and _unread_badge(client) == 1
    post(client, f"/inbox/{item.id}/read", token_from="/inbox")
    db.session.refresh(item)
    assert item.read_at is not None


def test_inbox_filters_by_kind_and_unread(world):
    holder = world.user("holder")
    _accepted(world)
    notify([holder], "self_inspection_due", key="self_inspection:x:2025",
           link=Link.to("reports.self_inspection"), year=2025, due=utcnow().date())
    db.session.commit()
    client = world.client("holder")
    only = client.get("/inbox?kind=self_inspection_due").get_data(as_text=True)
    assert "Self-inspection report for 2025" in only and " accepted: " not in only
    accepted = next(i for i in _items(holder) if i.kind == "application_accepted")
    client.get(f"/inbox/{accepted.id}")
    unread = client.get("/inbox?state=unread").get_data(as_text=True)
    assert "Self-inspection report for 2025" in unread and " accepted: " not in unread
    post(client, "/inbox/read-all", token_from="/inbox")
    assert db.session.scalar(select(func.count(InboxItem.id)).where(
        InboxItem.user_id == holder.id, InboxItem.read_at.is_(None))) == 0


def test_the_unread_count_is_one_statement_whatever_the_number_of_items(world):
    holder = world.user("holder")
    client = world.client("holder")
    client.get("/home")

    def statements() -> int:
        client.get("/home")
        with count_statements(db.engine) as log:
            client.get("/home")
        return log.count

    none = statements()
    for n in range(30):
        notify([holder], "self_inspection_due", key=f"self_inspection:many:{n}",
               link=Link.to("reports.self_inspection"), year=2025, due=utcnow().date())
    db.session.commit()
    assert _unread_badge(client) == 30
    assert statements() == none


def test_inbox_only_writes_no_mail_and_email_only_no_inbox_item(world):
    holder = world.user("holder")
    client = world.client("holder")
    form = {"language": "en", "kind_arrangement_answered": "inbox",
            "kind_application_accepted": "email"}
    response = post(client, "/account/notifications", _all_choices(holder, form),
                    token_from="/account/notifications")
    assert response.status_code == 302
    _accepted(world)
    kinds_mailed = set(db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.user_id == holder.id)))
    assert "application_accepted" in kinds_mailed
    assert "application_accepted" not in {i.kind for i in _items(holder)}
    device = world.device_in_application(name="体温计")
    arrangement = world.propose(device, world.js_site)
    world.confirm(arrangement)
    assert "arrangement_answered" in {i.kind for i in _items(holder)}
    assert "arrangement_answered" not in set(db.session.scalars(select(OutboxMessage.kind)
                                                                 .where(OutboxMessage.user_id
                                                                        == holder.id)))
    assert arrangements  # the service module the world drives


def _all_choices(user, overrides):  # type: ignore[no-untyped-def]
    from devreg.notifications.kinds import KINDS, kinds_for

    data = {f"kind_{k}": "both" for k in kinds_for(user.role) if not KINDS[k].mandatory}
    data["language"] = "en"
    data.update(overrides)
    return data


def test_decisions_and_legal_deadlines_cannot_be_turned_off(world):
    holder = world.user("holder")
    client = world.client("holder")
    form = _all_choices(holder, {"kind_decision": "inbox",
                                 "kind_arrangement_answered": "email", "language": "zh_CN"})
    response = post(client, "/account/notifications", form,
                    token_from="/account/notifications")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot be turned off" in page and "Decisions (准予注册 / 不予注册)" in page
    # nothing saved, and the form keeps what was chosen
    assert db.session.scalar(select(func.count(NotificationPreference.id))) == 0
    assert re.search(r'<option selected value="email">|<option value="email" selected>',
                     page.split('name="kind_arrangement_answered"')[1].split("</select>")[0])
    db.session.refresh(holder)
    assert holder.locale != "zh_CN"
    # a decision still reaches e-mail and inbox
    application = application_in(world.demo, K.INITIAL, S.REVIEW_DONE)
    review.decide(application, actor=right_actor("approve", application), password=PASSWORD,
                  approve=False, reasons="不符合安全有效要求", today=application.received_on)
    db.session.commit()
    assert "decision" in {i.kind for i in _items(holder)}
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.user_id == holder.id, OutboxMessage.kind == "decision")) == 1


def test_the_account_page_saves_the_language_the_mails_use(world):
    holder = world.user("holder")
    client = world.client("holder")
    response = post(client, "/account/notifications", _all_choices(holder, {"language": "zh_CN"}),
                    token_from="/account/notifications")
    assert response.status_code == 302
    db.session.refresh(holder)
    assert holder.locale == "zh_CN"
    application = _accepted(world)
    [item] = [i for i in _items(holder) if i.kind == "application_accepted"]
    assert item.subject == f"申请 {application.acceptance_number} 已受理：电子血压计"
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "消息设置" in page  # the page itself follows the saved language
