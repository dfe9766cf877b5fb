"""Optimistic locking: a decision posted from a page showing an older version of the application
is refused with "changed by someone else" (409) and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from devreg.certificates.models import Certificate
from devreg.extensions import db
from devreg.registrations.models import Application
from devreg.signatures.models import Signature
from tests.registrations.helpers import (
    PASSWORD,
    K,
    S,
    app_path,
    application_in,
    client_for,
    form_on,
    make_reviewer,
    text_of,
)

STALE = "This record was changed by someone else while you had the page open"


def _signatures() -> int:
    return db.session.scalar(select(func.count()).select_from(Signature))


def _stale_form(client, application, action: str) -> dict:  # type: ignore[no-untyped-def]
    """The form as the page showed it now; the test changes the application afterwards."""
    fields = form_on(client.get(app_path(application)).get_data(as_text=True), action)
    assert fields is not None
    assert fields["version"] == [str(application.version)]
    return fields


def test_decision_with_old_version_is_refused_with_409_and_changes_nothing(app, demo):
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE)
    approver = client_for(app, "approver")
    action = f"/review/applications/{application.id}/decide"
    form = _stale_form(approver, application, action)
    # meanwhile the reviewer pauses the clock for an expert meeting (Order 47 Art 98(3))
    from devreg.review import services as review

    review.record_pause(application, actor=demo.user("reviewer"), password=PASSWORD,
                        reason="expert_consultation", notice="召开专家咨询会",
                        today=application.opinion_on)
    db.session.commit()
    version, signatures = application.version, _signatures()
    response = approver.post(action, data={**form, "decision": "approve",
                                           "signature_password": PASSWORD})
    assert response.status_code == 409
    assert STALE in text_of(response)
    db.session.refresh(application)
    assert (application.state, application.version) == (S.REVIEW_DONE, version)
    assert application.decided_by_id is None
    assert _signatures() == signatures
    assert db.session.scalar(select(Certificate)) is None


def test_second_approver_deciding_from_an_old_page_is_refused(app, demo):
    make_reviewer(demo, "approver2@demo.devreg", duties=("approve",))
    application = application_in(demo, K.INITIAL, S.REVIEW_DONE)
    first, second = client_for(app, "approver"), client_for(app, "approver2")
    action = f"/review/applications/{application.id}/decide"
    first_form = _stale_form(first, application, action)
    second_form = _stale_form(second, application, action)
    response = first.post(action, data={**first_form, "decision": "refuse", "reasons": "不符合",
                                        "signature_password": PASSWORD})
    assert response.status_code == 302
    response = second.post(action, data={**second_form, "decision": "approve",
                                         "signature_password": PASSWORD})
    assert response.status_code == 409
    db.session.refresh(application)
    assert application.state == S.REFUSED
    assert application.decided_by_id == demo.user("approver").id
    assert db.session.scalar(select(Certificate)) is None


@pytest.mark.parametrize(("state", "action", "values"), [
    (S.SUBMITTED, "accept", {}),
    (S.SUBMITTED, "correction", {"items": "1. 补正"}),
    (S.IN_REVIEW, "supplement", {"items": "1. 补充"}),
    (S.ACCEPTED, "assign", {}),
])
def test_other_decisions_with_old_version_are_refused(app, demo, state, action, values):
    application = application_in(demo, K.INITIAL, state)
    reviewer = client_for(app, "reviewer")
    url = f"/review/applications/{application.id}/{action}"
    form = _stale_form(reviewer, application, url)
    db.session.execute(update(Application).where(Application.id == application.id)
                       .values(version=Application.version + 1))
    db.session.commit()
    db.session.refresh(application)
    version = application.version
    response = reviewer.post(url, data={**form, **values, "signature_password": PASSWORD})
    assert response.status_code == 409
    db.session.refresh(application)
    assert (application.state, application.version) == (state, version)


def test_decision_racing_a_change_at_the_same_moment_is_refused(app, demo, monkeypatch):
    """The version matched when the form was checked, but another transaction commits before
    this one writes: the versioned UPDATE finds no row and nothing is saved."""
    application = application_in(demo, K.INITIAL, S.SUBMITTED)
    from devreg.review import views

    original = views.svc.accept

    def accept_after_someone_else(application, **kwargs):  # type: ignore[no-untyped-def]
        with db.engine.begin() as other:
            other.execute(update(Application).where(Application.id == application.id)
                          .values(version=Application.version + 1))
        return original(application, **kwargs)

    monkeypatch.setattr(views.svc, "accept", accept_after_someone_else)
    reviewer = client_for(app, "reviewer")
    url = f"/review/applications/{application.id}/accept"
    form = _stale_form(reviewer, application, url)
    response = reviewer.post(url, data={**form, "signature_password": PASSWORD})
    assert response.status_code == 302
    assert "changed by someone else at the same moment" in text_of(
        reviewer.get(response.headers["Location"]))
    db.session.refresh(application)
    assert application.state == S.SUBMITTED
    assert application.acceptance_number is None
    assert not db.session.scalars(select(Signature).where(
        Signature.meaning == "accepted")).all()
