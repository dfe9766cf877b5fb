"""Four eyes: the reviewer who wrote the review opinion never takes the decision, even with the
approve duty; another approver can."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from devreg.certificates.models import Certificate
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.review import services as review
from devreg.signatures.models import Signature
from tests.registrations.helpers import (
    PASSWORD,
    REVIEWED_KINDS,
    K,
    S,
    app_path,
    application_in,
    client_for,
    make_reviewer,
    perform,
    submit_form,
    text_of,
)


def _reviewed_by(demo, author, kind=K.INITIAL):  # type: ignore[no-untyped-def]
    """An application whose review opinion ``author`` wrote."""
    application = application_in(demo, kind, S.ACCEPTED)
    perform("assign", application, demo.user("reviewer"), reviewer=author)
    perform("qms", application, author)
    perform("give_opinion", application, author)
    db.session.commit()
    assert application.state == S.REVIEW_DONE
    assert application.opinion_by_id == author.id
    return application


def _decision_signatures(application) -> list[Signature]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(Signature).where(
        Signature.subject_type == "Application", Signature.subject_id == application.id,
        Signature.meaning.in_(["approved", "refused"]))))


@pytest.mark.parametrize("kind", REVIEWED_KINDS)
@pytest.mark.parametrize("approve", [True, False], ids=["approve", "refuse"])
def test_decide_by_opinion_author_with_approve_duty_is_refused(app, demo, kind, approve):
    both = make_reviewer(demo, "both@demo.devreg", duties=("review", "approve"))
    application = _reviewed_by(demo, both, kind)
    version = application.version
    with force_locale("en"), pytest.raises(DomainError) as refused:
        review.decide(application, actor=both, password=PASSWORD, approve=approve,
                      reasons="理由", today=application.opinion_on)
    assert "Four-eyes rule: you wrote the review opinion" in refused.value.message
    db.session.rollback()
    db.session.refresh(application)
    assert (application.state, application.version) == (S.REVIEW_DONE, version)
    assert application.decided_by_id is None
    assert not _decision_signatures(application)


def test_decide_by_opinion_author_on_the_web_shows_the_reason_and_changes_nothing(app, demo):
    both = make_reviewer(demo, "both@demo.devreg", duties=("review", "approve"))
    application = _reviewed_by(demo, both)
    client = client_for(app, both.email)
    response = submit_form(client, app_path(application),
                           f"/review/applications/{application.id}/decide",
                           {"decision": "approve", "signature_password": PASSWORD})
    assert response.status_code == 422
    assert "Four-eyes rule: you wrote the review opinion" in text_of(response)
    db.session.refresh(application)
    assert application.state == S.REVIEW_DONE
    assert db.session.scalar(select(Certificate)) is None
    assert not _decision_signatures(application)


def test_decide_by_another_approver_after_four_eyes_refusal_is_allowed(app, demo):
    both = make_reviewer(demo, "both@demo.devreg", duties=("review", "approve"))
    application = _reviewed_by(demo, both)
    with pytest.raises(DomainError):
        perform("approve", application, both)
    db.session.rollback()
    client = client_for(app, "approver")
    response = submit_form(client, app_path(application),
                           f"/review/applications/{application.id}/decide",
                           {"decision": "approve", "signature_password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == S.APPROVED
    assert application.decided_by_id == demo.user("approver").id != both.id
    assert application.certificate is not None
    [signature] = _decision_signatures(application)
    assert signature.signer_id == demo.user("approver").id


def test_decide_on_cancellation_without_opinion_any_approver_may_decide(app, demo):
    application = application_in(demo, K.CANCELLATION, S.ACCEPTED)
    assert application.opinion_by_id is None
    perform("approve", application, demo.user("approver"))
    db.session.commit()
    assert application.state == S.APPROVED
