"""The outbox: rows written with the state change, nothing before commit, sent over real SMTP
(aiosmtpd started by the fixture) in the recipient's language with a PUBLIC_URL link, each
row exactly once even with two senders, retried with backoff, failed after N attempts with
the admins told."""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import pairwise

from click.testing import CliRunner
from sqlalchemy import func, select, update

from devreg.auth.roles import Role
from devreg.auth.services import UserData, create_user
from devreg.db import utcnow
from devreg.extensions import db
from devreg.notifications.models import InboxItem, OutboxMessage, OutboxStatus
from devreg.notifications.sending import send_due
from devreg.notifications.services import Link, notify
from devreg.review import services as review
from tests.notifications.conftest import _free_port, use_mail_server
from tests.registrations.helpers import PASSWORD, K, S, application_in, right_actor


def _rows(**where):  # type: ignore[no-untyped-def]
    query = select(OutboxMessage)
    for key, value in where.items():
        query = query.where(getattr(OutboxMessage, key) == value)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def _second_holder(world, locale: str):  # type: ignore[no-untyped-def]
    holder = world.user("holder")
    user = create_user(UserData(email=f"holder.{locale.lower()}@demo.devreg",
                                display_name=f"Holder {locale}", role=Role.HOLDER,
                                organisation_id=holder.organisation_id),
                       password="a-long-enough-password-1", temporary=False)
    user.locale = locale
    db.session.commit()
    return user


def _accept(world):  # type: ignore[no-untyped-def]
    application = application_in(world.demo, K.INITIAL, S.SUBMITTED)
    review.accept(application, actor=right_actor("accept", application), password=PASSWORD,
                  today=application.received_on)
    return application


def test_acceptance_mail_arrives_in_chinese_and_in_english(world, smtp):
    world.user("holder").locale = "zh_CN"
    english = _second_holder(world, "en")
    application = _accept(world)
    db.session.commit()
    result = send_due()
    assert len(result.sent) == 2 and not result.retried
    [chinese_mail] = smtp.to("holder@demo.devreg")
    [english_mail] = smtp.to(english.email)
    number = application.acceptance_number
    assert chinese_mail["Subject"].strip() == f"申请 {number} 已受理：电子血压计"
    assert "您的申请已受理" in chinese_mail.get_content()
    assert english_mail["Subject"].strip() == f"Application {number} accepted: 电子血压计"
    assert "Your application has been accepted" in english_mail.get_content()
    link = f"https://devreg.example.gov.cn/applications/{application.id}"
    assert link in chinese_mail.get_content() and link in english_mail.get_content()
    assert chinese_mail["Content-Language"] == "zh-CN" and english_mail["Content-Language"] == "en"
    assert {r.status for r in _rows()} == {"sent"}
    assert send_due().sent == []  # nothing is sent twice


def test_rows_are_written_with_the_state_change_and_nothing_before_commit(world, smtp):
    application = application_in(world.demo, K.INITIAL, S.SUBMITTED)
    review.accept(application, actor=right_actor("accept", application), password=PASSWORD,
                  today=application.received_on)
    db.session.flush()
    assert _rows(kind="application_accepted")  # same transaction
    seen_elsewhere: list[int] = []

    def other_connection() -> None:
        with world.app.app_context():
            seen_elsewhere.append(db.session.scalar(select(func.count(OutboxMessage.id))))

    thread = threading.Thread(target=other_connection)
    thread.start()
    thread.join()
    assert seen_elsewhere == [0]  # not committed: no sender can see it
    db.session.rollback()  # the acceptance fails to commit: no mail either
    assert _rows() == [] and send_due().sent == [] and smtp.messages == []


def test_one_event_never_makes_two_rows_for_one_recipient(world):
    holder = world.user("holder")
    for _attempt in range(2):
        notify([holder, holder], "self_inspection_due", key="self_inspection:test:2025",
               link=Link.to("reports.self_inspection"), year=2025, due=utcnow().date())
        db.session.commit()
    assert len(_rows(user_id=holder.id)) == 1
    assert db.session.scalar(select(func.count(InboxItem.id)).where(
        InboxItem.user_id == holder.id)) == 1


def test_failed_sending_is_retried_with_backoff_then_failed_and_admins_told(app, world):
    use_mail_server(app, "127.0.0.1", _free_port())  # nothing listens there
    try:
        application = _accept(world)
        db.session.commit()
        [row] = _rows(kind="application_accepted")
        before = utcnow()
        result = send_due()
        assert result.retried == [row.id] and not result.sent
        db.session.refresh(row)
        assert row.status == "pending" and row.attempts == 1 and row.last_error
        base = app.config["OUTBOX_RETRY_BASE_SECONDS"]
        assert before + timedelta(seconds=base) <= row.next_attempt_at
        assert send_due().retried == []  # not due yet: nothing is tried
        delays = []
        for _attempt in range(app.config["OUTBOX_MAX_ATTEMPTS"] - 1):
            previous = row.attempts
            start = utcnow()
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                               .values(next_attempt_at=start - timedelta(seconds=1)))
            db.session.commit()
            send_due()
            db.session.refresh(row)
            assert row.attempts == previous + 1
            if row.status == "pending":
                delays.append((row.next_attempt_at - start).total_seconds())
        assert row.status == "failed" and row.attempts == app.config["OUTBOX_MAX_ATTEMPTS"]
        # exponential: each wait twice the one before
        assert all(later >= 2 * earlier - 2 for earlier, later in pairwise(delays))
        admin = world.user("admin")
        told = db.session.scalar(select(InboxItem).where(InboxItem.user_id == admin.id,
                                                         InboxItem.kind == "delivery_failed"))
        assert told is not None and "holder@demo.devreg" in told.subject
        assert application.id
    finally:
        use_mail_server(app, "localhost", 25)
        app.config["MAIL_BACKEND"] = "locmem"
        from flask_mailman import Mail

        app.extensions["mailman"] = Mail.init_mail(app.config)


def _many_rows(world, count: int) -> set[int]:  # type: ignore[no-untyped-def]
    holder = world.user("holder")
    now = utcnow()
    rows = [OutboxMessage(user_id=holder.id, email=f"r{n}@example.invalid", kind="decision",
                          language="en", event_key=f"load:{n}", subject=f"row {n}",
                          body="body", status="pending", attempts=0, next_attempt_at=now)
            for n in range(count)]
    db.session.add_all(rows)
    db.session.commit()
    return {r.id for r in rows}


def test_two_concurrent_senders_send_each_row_exactly_once(app, world, smtp):
    ids = _many_rows(world, 40)
    smtp.delay = 0.02  # each sender is busy sending while the other claims
    results = []
    start = threading.Barrier(2)

    def sender(name: str) -> None:
        with app.app_context():
            start.wait()
            results.append(send_due(limit=3, token=name))
            db.session.remove()

    threads = [threading.Thread(target=sender, args=(f"sender-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    received = [int(message["X-Devreg-Outbox-Id"]) for _rcpts, message in smtp.messages]
    assert sorted(received) == sorted(ids)  # every row arrived, none twice
    sent = [row_id for result in results for row_id in result.sent]
    assert sorted(sent) == sorted(ids)
    db.session.expire_all()
    assert {r.status for r in _rows()} == {OutboxStatus.SENT.value}
    # both senders took part (3 rows a claim, 40 rows)
    assert all(result.sent for result in results), [len(r.sent) for r in results]


def test_a_sender_that_died_leaves_its_rows_to_be_claimed_again(app, world, smtp):
    [row_id] = _many_rows(world, 1)
    stale = utcnow() - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 5)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
        status="sending", claimed_by="dead", claimed_at=stale))
    db.session.commit()
    assert send_due().sent == [row_id]
    assert len(smtp.messages) == 1


def test_a_row_claimed_by_a_live_sender_is_left_alone(app, world, smtp):
    [row_id] = _many_rows(world, 1)
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
        status="sending", claimed_by="alive", claimed_at=utcnow()))
    db.session.commit()
    assert send_due().sent == [] and smtp.messages == []


def test_outbox_send_command_prints_one_line(app, world, smtp):
    _accept(world)
    db.session.commit()
    result = CliRunner().invoke(app.cli, ["outbox", "send"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output == "sent: 1, to retry: 0, failed: 0\n"
    status = CliRunner().invoke(app.cli, ["outbox", "status"], catch_exceptions=False)
    assert status.output == "pending: 0, sending: 0, sent: 1, failed: 0\n"


def test_with_redis_a_job_is_enqueued_after_commit_not_before(app, world, monkeypatch):
    import devreg.jobs

    enqueued = []
    monkeypatch.setattr(devreg.jobs, "enqueue", lambda fn, *args: enqueued.append(fn.__name__))
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    _accept(world)
    db.session.flush()
    assert enqueued == []
    db.session.commit()
    assert enqueued == ["send_due_job"]
    db.session.commit()  # a commit that wrote no row enqueues nothing
    assert enqueued == ["send_due_job"]
