"""Who is told what (issue 13 item 2), and the sweep's reminders and digest, each once."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from devreg.arrangements import services as arrangements
from devreg.clock import china_today
from devreg.extensions import db
from devreg.notifications.models import InboxItem, OutboxMessage
from devreg.notifications.reminders import reviewer_digests
from devreg.production import services as production
from devreg.review.sweep import run_sweep
from tests.registrations.helpers import (
    PASSWORD,
    D,
    K,
    S,
    application_in,
    certificate_for,
    perform,
    right_actor,
)


def _kinds(email: str) -> list[str]:
    from devreg.auth.services import find_user_by_email

    user = find_user_by_email(email if "@" in email else f"{email}@demo.devreg")
    return list(db.session.scalars(select(InboxItem.kind).where(InboxItem.user_id == user.id)
                                   .order_by(InboxItem.id)))


def _keys(kind: str) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.event_key).where(
        OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_holder_hears_of_acceptance_supplement_and_decision_reviewer_of_assignment(world):
    application = application_in(world.demo, K.INITIAL, S.SUPPLEMENT_REQUESTED)
    assert _kinds("holder") == ["application_accepted", "supplement_requested"]
    assert _kinds("reviewer") == ["application_assigned"]  # the assigned reviewer
    assert _kinds("approver") == [] and _kinds("holder.bj") == []  # nobody else
    perform("answer_supplement", application, right_actor("answer_supplement", application))
    db.session.commit()
    assert _kinds("reviewer") == ["application_assigned", "supplement_answered"]
    [item] = db.session.scalars(select(InboxItem).where(InboxItem.kind == "supplement_requested"))
    assert application.supplement_deadline.isoformat() in item.subject


def test_holder_hears_of_correction_and_refusal_to_accept(world):
    application_in(world.demo, K.INITIAL, S.CORRECTION_REQUESTED)
    application_in(world.demo, K.INITIAL, S.NOT_ACCEPTED, name="体温计")
    assert _kinds("holder") == ["correction_requested", "acceptance_refused"]


def test_approval_tells_the_decision_and_the_certificate_and_change_documents(world):
    certificate = certificate_for(world.demo)
    assert set(_kinds("holder")[-2:]) == {"decision", "certificate_issued"}
    application_in(world.demo, K.CHANGE, S.APPROVED, certificate=certificate)
    assert set(_kinds("holder")[-2:]) == {"decision", "change_document_issued"}
    decision = db.session.scalar(select(InboxItem).where(InboxItem.kind == "decision")
                                 .order_by(InboxItem.id))
    assert decision.subject.startswith("Approved:") and certificate.number in decision.body


def test_manufacturer_hears_of_proposals_and_endings_holder_of_the_answer(world):
    arrangement = world.arrangement_in(_state("confirmed"))
    assert _kinds("manufacturer") == ["arrangement_proposed"]
    assert "arrangement_answered" in _kinds("holder")
    arrangements.end(arrangement, actor=world.user("holder"), end_date=china_today(),
                     reason="合同到期")
    db.session.commit()
    assert _kinds("manufacturer") == ["arrangement_proposed", "arrangement_ended"]
    # the provinces' reviewers hear of the notices (both provinces: confirmed, ended)
    assert _kinds("reviewer.js").count("notice_received") >= 2
    assert "notice_received" in _kinds("reviewer")


def _state(value: str):  # type: ignore[no-untyped-def]
    from devreg.arrangements.states import ArrangementState

    return ArrangementState(value)


def test_manufacturer_hears_of_scope_change_decisions(world):
    request = production.request_scope_change(world.js_licence,
                                               actor=world.user("manufacturer"),
                                               codes=["09"], new_site_address=None,
                                               reason="新增产品线")
    production.decide_scope_change(request, actor=world.user("reviewer.js"), password=PASSWORD,
                                   approve=False, reason="场地不符合要求", today=china_today())
    db.session.commit()
    assert _kinds("manufacturer") == ["scope_change_decided"]
    item = db.session.scalar(select(InboxItem).where(InboxItem.kind == "scope_change_decided"))
    assert "rejected" in item.subject and "场地不符合要求" in item.body


def test_supplement_reminders_30_7_1_days_before_each_once(world):
    application = application_in(world.demo, K.INITIAL, S.SUPPLEMENT_REQUESTED)
    deadline = application.supplement_deadline
    for days_before in (40, 30, 29, 8, 7, 7, 2, 1, 1, 0):
        run_sweep(deadline - timedelta(days=days_before))
        db.session.commit()
    assert _keys("supplement_deadline") == [f"supplement_deadline:{application.id}:{d}"
                                            for d in (30, 7, 1)]


def test_a_late_first_sweep_sends_only_the_most_urgent_reminder(world):
    application = application_in(world.demo, K.INITIAL, S.SUPPLEMENT_REQUESTED)
    run_sweep(application.supplement_deadline - timedelta(days=3))
    db.session.commit()
    assert _keys("supplement_deadline") == [f"supplement_deadline:{application.id}:7"]


def test_renewal_window_and_deadline_reminders_once_and_not_after_applying(world, app):
    certificate = certificate_for(world.demo, approved_on=date(2021, 12, 1))
    from devreg.certificates.services import renewal_deadline

    deadline = renewal_deadline(certificate)
    margin = app.config["RENEWAL_REMINDER_MARGIN_DAYS"]
    for days_before in (margin + 1, margin, margin, 7, 7):
        run_sweep(deadline - timedelta(days=days_before))
        db.session.commit()
    period = certificate.valid_until.isoformat()
    assert _keys("renewal_window_open") == [f"renewal_window:{certificate.id}:{period}"]
    assert _keys("renewal_deadline") == [f"renewal_deadline:{certificate.id}:{period}:30",
                                         f"renewal_deadline:{certificate.id}:{period}:7"]
    application_in(world.demo, K.RENEWAL, S.SUBMITTED, certificate=certificate,
                   today=deadline - timedelta(days=3))
    run_sweep(deadline - timedelta(days=1))
    db.session.commit()
    assert len(_keys("renewal_deadline")) == 2  # a renewal is open: no more reminders


def test_self_inspection_reminder_before_31_march_until_filed(world):
    run_sweep(date(2027, 2, 20))  # more than 30 days before 31 March
    db.session.commit()
    assert _keys("self_inspection_due") == []
    run_sweep(date(2027, 3, 10))
    run_sweep(date(2027, 3, 11))
    db.session.commit()
    holder = world.user("holder")
    keys = _keys("self_inspection_due")
    assert f"self_inspection:{holder.organisation_id}:2026" in keys
    assert len(keys) == len(set(keys))


def test_reviewer_digest_on_weekdays_once_a_day_with_the_overdue_files(world):
    application = application_in(world.demo, K.INITIAL, S.SUBMITTED, today=D)
    late = D + timedelta(days=40)  # far past the acceptance limit
    while late.weekday() != 2:
        late += timedelta(days=1)
    assert reviewer_digests(late) >= 1
    db.session.commit()
    reviewer_digests(late)  # the same day again (a second sweep): nothing more
    db.session.commit()
    reviewer = world.user("reviewer")
    [digest] = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == reviewer.id, OutboxMessage.kind == "reviewer_digest"))
    assert digest.event_key == f"digest:{reviewer.id}:{late.isoformat()}"
    assert application.reference in digest.body and "overdue" in digest.body
    saturday = late + timedelta(days=3)
    assert reviewer_digests(saturday) == 0
    # the approver has no acceptance duty: the submitted file is not in its digest
    approver = world.user("approver")
    assert not db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.user_id == approver.id, OutboxMessage.kind == "reviewer_digest"))


def test_manufacturer_home_lists_the_proposals_awaiting_its_confirmation(world):
    device = world.device_in_application()
    proposal = world.propose(device, world.js_site)
    answered = world.arrangement_in(_state("declined"))
    page = world.client("manufacturer").get("/home").get_data(as_text=True)
    table = page.split('data-testid="proposals"')[1].split("</table>")[0]
    assert f"/arrangements/{proposal.id}\"" in table
    assert f"/arrangements/{answered.id}\"" not in table
    world.confirm(proposal)
    page = world.client("manufacturer").get("/home").get_data(as_text=True)
    assert 'data-testid="no-proposals"' in page
