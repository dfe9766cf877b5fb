"""Each domain event (devreg/events.py) is sent once, by the service, on its transition, with
the record as sender and the actor; a refused transition sends nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from devreg import events
from devreg.arrangements import services as arrangements
from devreg.arrangements.models import Notice
from devreg.arrangements.states import ArrangementState
from devreg.clock import china_today
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.production import services as production
from devreg.reports import services as reports
from devreg.review import services as review
from devreg.review.sweep import run_sweep
from devreg.signatures.services import sign
from tests.registrations.helpers import (
    PASSWORD,
    PDF,
    D,
    K,
    S,
    application_in,
    certificate_for,
    new_draft,
    perform,
    right_actor,
)

#: application events and the one signal each must send (qms sends none)
SENDS = {
    "submit": "application_submitted",
    "accept": "application_accepted",
    "assign": "application_assigned",
    "request_supplement": "supplement_requested",
    "answer_supplement": "supplement_answered",
    "give_opinion": "opinion_given",
    "give_negative_opinion": "opinion_given",
    "object": "objection_filed",
    "resolve_objection": "objection_resolved",
    "request_correction": "correction_requested",
    "resubmit": "application_submitted",
    "refuse_acceptance": "acceptance_refused",
    "withdraw": "application_withdrawn",
    "file": "change_filed",
}


def _step(recorder, application, event, **options):  # type: ignore[no-untyped-def]
    recorder.clear()
    actor = right_actor(event if event != "give_negative_opinion" else "give_opinion",
                        application)
    perform(event, application, actor, **options)
    db.session.commit()
    return actor


def test_every_signal_is_documented_in_the_module_docstring():
    assert events.ALL, "no signals"
    for name in events.ALL:
        assert f"    {name} " in events.__doc__, name  # type: ignore[operator]


@pytest.mark.parametrize("path", [
    ("submit", "accept", "assign", "request_supplement", "answer_supplement", "qms",
     "give_opinion"),
    ("submit", "request_correction", "resubmit", "refuse_acceptance"),
    ("submit", "accept", "assign", "qms", "give_negative_opinion", "object",
     "resolve_objection"),
    ("submit", "withdraw"),
])
def test_each_application_transition_sends_its_signal_once(world, recorder, path):
    application = new_draft(world.demo, K.INITIAL, today=D)
    for event in path:
        actor = _step(recorder, application, event)
        if event == "qms":
            assert not recorder.sent
            continue
        sender, kwargs = recorder.only(SENDS[event])
        assert sender is application and kwargs["actor"] is actor
        assert sum(recorder.names().values()) == 1, (event, recorder.names())
        if event == "resubmit":
            assert kwargs["resubmitted"] is True
        if event == "submit":
            assert kwargs["resubmitted"] is False
        if event == "assign":
            assert kwargs["reviewer"].id == application.assigned_reviewer_id
        if event == "request_supplement":
            assert kwargs["deadline"] == application.supplement_deadline


def test_approval_signs_the_decision_and_issues_the_certificate(world, recorder):
    application = application_in(world.demo, K.INITIAL, S.REVIEW_DONE)
    approver = _step(recorder, application, "approve")
    assert recorder.names() == {"decision_signed": 1, "certificate_issued": 1}
    sender, kwargs = recorder.only("decision_signed")
    assert sender is application and kwargs["actor"] is approver
    assert kwargs["approved"] is True and kwargs["certificate"] is application.certificate
    certificate, issued = recorder.only("certificate_issued")
    assert certificate is application.certificate and issued["application"] is application


def test_refusal_signs_the_decision_without_certificate(world, recorder):
    application = application_in(world.demo, K.INITIAL, S.REVIEW_DONE)
    _step(recorder, application, "refuse")
    assert recorder.names() == {"decision_signed": 1}
    _sender, kwargs = recorder.only("decision_signed")
    assert kwargs["approved"] is False and kwargs["certificate"] is None


def test_refused_transition_sends_nothing(world, recorder):
    application = application_in(world.demo, K.INITIAL, S.SUBMITTED)
    recorder.clear()
    with pytest.raises(DomainError):
        review.refuse_acceptance(application, actor=right_actor("accept", application),
                                 password=PASSWORD, reasons="", today=D)
    db.session.rollback()
    with pytest.raises(DomainError):  # wrong signature password
        review.accept(application, actor=right_actor("accept", application),
                      password="wrong-password", today=D)
    db.session.rollback()
    assert not recorder.sent


def test_change_approval_issues_a_change_document(world, recorder):
    application = application_in(world.demo, K.CHANGE, S.REVIEW_DONE)
    _step(recorder, application, "approve")
    assert recorder.names() == {"decision_signed": 1, "change_document_issued": 1}
    certificate, kwargs = recorder.only("change_document_issued")
    assert certificate is application.certificate
    assert kwargs["document"].id is not None and kwargs["application"] is application


def test_renewal_and_cancellation_send_their_certificate_signal(world, recorder):
    renewal = application_in(world.demo, K.RENEWAL, S.REVIEW_DONE,
                             certificate=certificate_for(world.demo, approved_on=date(2021, 12, 1)))
    _step(recorder, renewal, "approve")
    assert recorder.names() == {"decision_signed": 1, "certificate_renewed": 1}
    assert recorder.only("certificate_renewed")[1]["deemed"] is False
    cancellation = application_in(world.demo, K.CANCELLATION, S.ACCEPTED)
    _step(recorder, cancellation, "approve")
    assert recorder.names() == {"decision_signed": 1, "certificate_cancelled": 1}


def test_change_filing_sends_change_filed(world, recorder):
    application = new_draft(world.demo, K.CHANGE_FILING)
    holder = _step(recorder, application, "file")
    sender, kwargs = recorder.only("change_filed")
    assert sender is application and kwargs["actor"] is holder
    assert kwargs["certificate"] is application.certificate


def test_clock_extension_sends_clock_extended(world, recorder):
    application = application_in(world.demo, K.INITIAL, S.IN_REVIEW)
    recorder.clear()
    approver = right_actor("approve", application)
    extension = review.extend_clock(application, actor=approver, password=PASSWORD,
                                    working_days=10, reason="专家咨询", today=D)
    db.session.commit()
    sender, kwargs = recorder.only("clock_extended")
    assert sender is application and kwargs["extension"] is extension


def test_sweep_sends_deemed_acceptance_termination_expiry_and_finished(world, recorder):
    late = application_in(world.demo, K.INITIAL, S.SUBMITTED, today=D)
    unanswered = application_in(world.demo, K.INITIAL, S.SUPPLEMENT_REQUESTED, today=D)
    certificate = certificate_for(world.demo, approved_on=date(2021, 1, 4))
    recorder.clear()
    result = run_sweep(unanswered.supplement_deadline + timedelta(days=1))
    db.session.commit()
    accepted_sender, accepted = recorder.only("application_accepted")
    assert accepted_sender is late and accepted == {"actor": None, "deemed": True}
    assert recorder.only("review_terminated")[0] is unanswered
    assert certificate in [s for n, s, _k in recorder.sent if n == "certificate_expired"]
    _none, finished = recorder.only("sweep_finished")
    assert finished["result"] is result
    recorder.clear()
    run_sweep(finished["today"])  # a second run changes nothing: only "finished" again
    assert recorder.names() == {"sweep_finished": 1}


def test_revocation_sends_certificate_revoked(world, recorder):
    certificate = certificate_for(world.demo)
    approver = world.user("approver")
    recorder.clear()
    signature = sign(certificate, signer=approver, password=PASSWORD, meaning="decided",
                     content={"revoke": certificate.number, "reasons": "提供虚假资料"})
    from devreg.certificates import services as certificates

    certificates.revoke_certificate(certificate, reasons="提供虚假资料", signature=signature,
                                    on=D)
    assert recorder.only("certificate_revoked")[0] is certificate


# --- arrangements ----------------------------------------------------------------------------

def _notices(recorder):  # type: ignore[no-untyped-def]
    return sorted((s.province_code, s.kind) for n, s, _k in recorder.sent if n == "notice_sent")


def test_arrangement_transitions_send_their_signals_and_notices(world, recorder):
    device = world.device_in_application()
    recorder.clear()
    arrangement = world.propose(device, world.js_site)
    sender, kwargs = recorder.only("arrangement_proposed")
    assert sender is arrangement and kwargs["actor"].email == "holder@demo.devreg"
    recorder.clear()
    world.confirm(arrangement)
    assert recorder.only("arrangement_confirmed")[0] is arrangement
    notices = _notices(recorder)
    assert ("13", "confirmed") in notices and ("32", "confirmed") in notices
    assert all(isinstance(s, Notice) and s.id for n, s, _k in recorder.sent if n == "notice_sent")
    recorder.clear()
    arrangements.end(arrangement, actor=world.user("holder"), end_date=china_today(),
                     reason="合同到期")
    db.session.commit()
    assert recorder.only("arrangement_ended")[1]["reason"] == "合同到期"
    assert _notices(recorder) == [("13", "ended"), ("32", "ended")]


def test_decline_and_withdraw_send_their_signals(world, recorder):
    declined = world.propose(world.device_in_application(), world.js_site)
    recorder.clear()
    arrangements.decline(declined, actor=world.user("manufacturer"), reason="产能不足")
    assert recorder.only("arrangement_declined")[1]["reason"] == "产能不足"
    withdrawn = world.propose(world.device_in_application(name="体温计"), world.js_site)
    recorder.clear()
    arrangements.withdraw(withdrawn, actor=world.user("holder"))
    assert recorder.only("arrangement_withdrawn")[0] is withdrawn
    assert len(recorder.sent) == 1


def test_suspend_and_lift_send_their_signals(world, recorder):
    arrangement = world.arrangement_in(ArrangementState.ACTIVE)
    recorder.clear()
    world.suspend(arrangement)
    assert recorder.only("arrangement_suspended")[0] is arrangement
    recorder.clear()
    arrangements.lift(arrangement, actor=world.user("reviewer.js"), password=PASSWORD,
                      reason="整改完成", today=china_today())
    assert recorder.only("arrangement_lifted")[0] is arrangement


def test_scope_change_request_and_decision_send_their_signals(world, recorder):
    licence = world.js_licence
    recorder.clear()
    request = production.request_scope_change(licence, actor=world.user("manufacturer"),
                                               codes=["09"], new_site_address=None,
                                               reason="新增产品线")
    assert recorder.only("scope_change_requested")[0] is request
    recorder.clear()
    production.decide_scope_change(request, actor=world.user("reviewer.js"), password=PASSWORD,
                                   approve=True, reason="", today=china_today())
    assert recorder.only("scope_change_decided")[1]["approved"] is True


def test_self_inspection_filing_sends_its_signal(world, recorder):
    holder = world.user("holder")
    report = reports.file_self_inspection(actor=holder, year=china_today().year - 1,
                                          filename="自查报告.pdf", stream=io.BytesIO(PDF),
                                          declaration=True, password=PASSWORD,
                                          today=china_today())
    sender, kwargs = recorder.only("self_inspection_filed")
    assert sender is report and kwargs["actor"] is holder
