"""Every user-taken edge of the state machine through the web: the right actor submits the form
the application page renders; everybody else is refused with 403 (may see the application but
not act) or 404 (may not even see it), and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from devreg.clock import china_today
from devreg.extensions import db
from devreg.registrations.states import TRANSITIONS
from devreg.signatures.models import Signature
from tests.registrations.helpers import (
    EVENT_DUTY,
    PASSWORD,
    K,
    S,
    app_path,
    application_in,
    client_for,
    make_reviewer,
    perform,
    post_action,
    right_actor,
    submit_form,
    text_of,
)
from tests.registrations.test_transitions import KINDS_FOR_EDGE

#: event -> (URL after /applications/<id> or /review/applications/<id>, form values)
WEB = {
    "submit": ("/applications/{id}/submit", {"declaration": "y", "signature_password": PASSWORD}),
    "resubmit": ("/applications/{id}/submit", {"declaration": "y",
                                               "signature_password": PASSWORD}),
    "file": ("/applications/{id}/submit", {"declaration": "y", "signature_password": PASSWORD}),
    "withdraw": ("/applications/{id}/withdraw", {"reason": "产品设计调整，撤回申请"}),
    "object": ("/applications/{id}/objection",
               {"text": "检验报告已覆盖全部型号，请复核", "signature_password": PASSWORD}),
    "resolve_objection": ("/review/applications/{id}/objection-outcome",
                          {"outcome": "maintained", "text": "维持原审评结论",
                           "signature_password": PASSWORD}),
    "answer_supplement": ("/applications/{id}/supplement-answer",
                          {"answer": "已补充全部资料", "signature_password": PASSWORD}),
    "accept": ("/review/applications/{id}/accept", {"signature_password": PASSWORD}),
    "request_correction": ("/review/applications/{id}/correction",
                           {"items": "1. 申请表缺少签章", "signature_password": PASSWORD}),
    "refuse_acceptance": ("/review/applications/{id}/refuse-acceptance",
                          {"reasons": "不属于第二类医疗器械", "signature_password": PASSWORD}),
    "assign": ("/review/applications/{id}/assign", {}),
    "request_supplement": ("/review/applications/{id}/supplement",
                           {"items": "1. 补充电磁兼容检验报告", "signature_password": PASSWORD}),
    "give_opinion": ("/review/applications/{id}/opinion",
                     {"recommendation": "approve", "text": "符合要求",
                      "signature_password": PASSWORD}),
    "approve": ("/review/applications/{id}/decide",
                {"decision": "approve", "reasons": "", "signature_password": PASSWORD}),
    "refuse": ("/review/applications/{id}/decide",
               {"decision": "refuse", "reasons": "不符合要求", "signature_password": PASSWORD}),
}
#: one case per user-taken edge, with the first kind it applies to
EDGES = [(event, state, kinds[0]) for (event, state), kinds in KINDS_FOR_EDGE.items()
         if EVENT_DUTY[event] is not None]


def _id(case) -> str:  # type: ignore[no-untyped-def]
    event, state, kind = case
    return f"{event}-from-{state.value}-{kind.value}"


def _prepared(demo, event, state, kind):  # type: ignore[no-untyped-def]
    """Built on the real today: the views act on it (e.g. a correction notice is possible only
    within the acceptance limit)."""
    today = china_today()
    application = application_in(demo, kind, state, today=today, negative=event == "object")
    if event == "give_opinion":
        perform("qms", application, right_actor("qms", application), today=today)
        db.session.commit()
    return application


def _signatures() -> int:
    return db.session.scalar(select(func.count()).select_from(Signature))


@pytest.mark.parametrize("case", EDGES, ids=_id)
def test_web_transition_by_right_actor_through_rendered_form_is_allowed(app, demo, case):
    event, state, kind = case
    application = _prepared(demo, event, state, kind)
    client = client_for(app, right_actor(event, application).email)
    url, values = WEB[event]
    response = submit_form(client, app_path(application), url.format(id=application.id), values)
    assert response.status_code == 302, text_of(response)[-2000:]
    assert response.headers["Location"].endswith(app_path(application))
    db.session.refresh(application)
    assert application.state == TRANSITIONS[(event, state)].to


@pytest.mark.parametrize("case", EDGES, ids=_id)
def test_web_transition_by_wrong_user_is_refused_and_changes_nothing(app, demo, case):
    event, state, kind = case
    application = _prepared(demo, event, state, kind)
    duty = EVENT_DUTY[event]
    visible_to_reviewers = state != S.DRAFT  # drafts stay private to the holder
    wrong = {
        "holder of another organisation": ("holder.bj", 404),
        "reviewer of another province": ("reviewer.js", 404),
        "manufacturer": ("manufacturer", 404),
        "administrator": ("admin", 404),
    }
    if duty == "holder":
        wrong["reviewer of the province"] = ("reviewer", 403 if visible_to_reviewers else 404)
        wrong["approver of the province"] = ("approver", 403 if visible_to_reviewers else 404)
    else:
        wrong["the holder itself"] = ("holder", 403)
        if duty == "approve":
            make_reviewer(demo, "reviewer2@demo.devreg", duties=("accept", "review"))
            wrong["reviewer without the approve duty"] = ("reviewer2", 403)
        else:
            wrong[f"reviewer without the {duty} duty"] = ("approver", 403)
    url, values = WEB[event]
    if event == "assign":
        values = {"reviewer_id": str(demo.user("reviewer").id)}
    before = (application.state, application.version, _signatures())
    for who, (email, status) in wrong.items():
        client = client_for(app, email)
        response = post_action(client, url.format(id=application.id), values, application)
        assert response.status_code == status, (who, response.status_code)
        db.session.refresh(application)
        assert (application.state, application.version, _signatures()) == before, who


@pytest.mark.parametrize("case", EDGES[:3] + EDGES[9:10], ids=_id)
def test_web_transition_anonymous_is_sent_to_sign_in(app, demo, case):
    event, state, kind = case
    application = _prepared(demo, event, state, kind)
    url, values = WEB[event]
    client = client_for(app)
    response = post_action(client, url.format(id=application.id), values, application,
                           token_from="/login")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    db.session.refresh(application)
    assert application.state == state


def test_web_reviewer_of_another_province_cannot_see_the_application(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    client = client_for(app, "reviewer.js")
    assert client.get(app_path(application)).status_code == 404
    queue = text_of(client.get("/review/queue?stage=acceptance"))
    assert application.reference not in queue
    assert app_path(application) not in queue
    hebei_queue = text_of(client_for(app, "reviewer").get("/review/queue?stage=acceptance"))
    assert application.reference in hebei_queue


def test_web_holder_of_another_organisation_gets_404_for_application_and_device(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    client = client_for(app, "holder.bj")
    assert client.get(app_path(application)).status_code == 404
    assert client.get(f"/devices/{application.device_id}").status_code == 404
    listing = text_of(client.get("/applications"))
    assert application.reference not in listing


def test_web_reviewer_cannot_see_a_draft(app, demo):
    application = application_in(demo, K.INITIAL, S.DRAFT)
    assert client_for(app, "reviewer").get(app_path(application)).status_code == 404
    assert client_for(app, "holder").get(app_path(application)).status_code == 200


def test_web_page_offers_each_user_only_the_forms_it_may_use(app, demo):
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    pages = {email: text_of(client_for(app, email).get(app_path(application)))
             for email in ("holder", "reviewer", "approver")}
    accept = f"/review/applications/{application.id}/accept"
    withdraw = f"/applications/{application.id}/withdraw"
    assert accept in pages["reviewer"]
    assert withdraw not in pages["reviewer"]
    assert accept not in pages["holder"]
    assert withdraw in pages["holder"]
    assert accept not in pages["approver"]
    assert withdraw not in pages["approver"]
