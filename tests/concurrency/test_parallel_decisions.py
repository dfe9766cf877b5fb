"""Two approvers act on the same application at the same moment, each on its own connection:
one decision is saved, the other is refused as stale (optimistic locking), nothing is lost and
only one certificate exists."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from devreg.audit.queries import verify_chain
from devreg.audit.services import acting_as
from devreg.auth.roles import Role
from devreg.auth.services import UserData, create_user
from devreg.certificates.models import Certificate
from devreg.errors import DomainError
from devreg.extensions import db
from devreg.registrations.models import Application
from devreg.review import services as review
from tests.concurrency.test_certificate_serials import (
    APPROVED_ON,
    PASSWORD,
    _user,
    accounts,  # noqa: F401 - fixture
    parallel_app,
    review_done_applications,
)
from tests.foundation.helpers import dispose


def test_two_parallel_decisions_on_one_application_one_wins_one_is_stale(app, accounts):  # noqa: F811
    approver = _user("approver@demo.devreg")
    create_user(UserData(email="approver2@example.cn", display_name="第二审批人",
                         role=Role.REVIEWER, organisation_id=approver.organisation_id,
                         has_approve_duty=True), password="second-approver-pass", temporary=False)
    (application_id,) = review_done_applications(1)
    db.session.commit()
    other = parallel_app(app)
    barrier = threading.Barrier(2, timeout=60)
    outcomes: dict[str, Any] = {}

    def work(email: str, password: str, approve: bool) -> None:
        with other.app_context():
            application = db.session.get(Application, application_id)
            user = _user(email)
            assert application.version is not None  # loaded before the start signal
            barrier.wait()
            try:
                with acting_as(user.id, user.email):
                    review.decide(application, actor=user, password=password, approve=approve,
                                  reasons="" if approve else "不予批准", today=APPROVED_ON)
                    db.session.commit()
                outcomes[email] = "saved"
            except (StaleDataError, DomainError) as error:
                db.session.rollback()
                outcomes[email] = type(error).__name__

    threads = [threading.Thread(target=work, args=("approver@demo.devreg", PASSWORD, True)),
               threading.Thread(target=work, args=("approver2@example.cn",
                                                   "second-approver-pass", False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    dispose(other)
    db.session.expire_all()

    assert sorted(outcomes.values())[-1] == "saved"
    assert list(outcomes.values()).count("saved") == 1, outcomes
    application = db.session.get(Application, application_id)
    winner = next(email for email, outcome in outcomes.items() if outcome == "saved")
    assert application.decided_by.email == winner
    assert application.state == ("approved" if winner == "approver@demo.devreg" else "refused")
    expected_certificates = 1 if application.state == "approved" else 0
    assert db.session.scalar(select(func.count(Certificate.id))) == expected_certificates
    assert verify_chain()[1] is None
