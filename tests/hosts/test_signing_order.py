"""Issue 15 item 5: every signing step checks the password before it writes anything.

Why: on SQLite with 4 workers, 2 of 70 concurrent acceptances failed with "database is
locked": acceptance changed and flushed the application first, then ran argon2 (half a second
with the production profile) while holding the database's write lock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from devreg.arrangements import services as arrangements
from devreg.auth import services as auth_services
from devreg.clock import china_today
from devreg.extensions import db
from devreg.production.services import decide_scope_change, request_scope_change
from devreg.registrations import services as registrations
from devreg.registrations.kinds import ApplicationKind
from devreg.review import services as review
from tests.arrangements.builders import A, World, world  # noqa: F401  (fixture)
from tests.registrations.helpers import PASSWORD, make_device, upload_all


class WriteWatch:
    """Counts INSERT/UPDATE/DELETE statements of the current transaction, and what that count
    was each time a password was verified."""

    def __init__(self) -> None:
        self.writes = 0
        self.at_verification: list[int] = []

    def statement(self, conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        words = statement.split()
        # the sign-in lockout's attempt counter (UPDATE users ... failed_logins) is counted
        # first on purpose (auth.services.password_attempt); every other write must wait
        if words[:2] == ["UPDATE", "users"]:
            return
        if words and words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.writes += 1

    def ended(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.writes = 0


@pytest.fixture
def watch(monkeypatch) -> Iterator[WriteWatch]:
    seen = WriteWatch()
    real = auth_services.verify_password  # what the signing step's password check calls

    def verify(password_hash: str, password: str) -> bool:
        seen.at_verification.append(seen.writes)
        return real(password_hash, password)

    monkeypatch.setattr(auth_services, "verify_password", verify)
    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen.statement)
    event.listen(engine, "commit", seen.ended)
    event.listen(engine, "rollback", seen.ended)
    yield seen
    event.remove(engine, "before_cursor_execute", seen.statement)
    event.remove(engine, "commit", seen.ended)
    event.remove(engine, "rollback", seen.ended)


def _step(watch: WriteWatch, action) -> None:  # type: ignore[no-untyped-def]
    db.session.commit()
    before = len(watch.at_verification)
    action()
    assert len(watch.at_verification) == before + 1, "the password was checked once"
    assert watch.at_verification[-1] == 0, "the password was checked after a write"
    db.session.commit()


def test_registration_and_review_steps_verify_before_writing(app, demo, watch):
    today = china_today()
    holder, reviewer, approver = demo.user("holder"), demo.user("reviewer"), demo.user("approver")
    application = registrations.create_application(
        ApplicationKind.INITIAL, make_device(demo), actor=holder, today=today,
        production_address="河北省石家庄市")
    upload_all(application, holder)
    _step(watch, lambda: registrations.submit_application(
        application, actor=holder, password=PASSWORD, declaration=True, today=today))
    _step(watch, lambda: review.accept(application, actor=reviewer, password=PASSWORD,
                                       today=today))
    review.assign_reviewer(application, actor=reviewer, reviewer=reviewer, today=today)
    review.record_qms(application, actor=reviewer, result="pass", notes="", today=today)
    _step(watch, lambda: review.request_supplement(application, actor=reviewer,
                                                   password=PASSWORD, items="x", today=today))
    _step(watch, lambda: registrations.answer_supplement(application, actor=holder,
                                                         password=PASSWORD, answer="y",
                                                         today=today))
    _step(watch, lambda: review.give_opinion(application, actor=reviewer, password=PASSWORD,
                                             recommendation="approve", text="ok", today=today))
    _step(watch, lambda: review.decide(application, actor=approver, password=PASSWORD,
                                       approve=True, reasons="", today=today))
    assert application.certificate is not None


def test_acceptance_refusal_and_correction_verify_before_writing(app, demo, watch):
    today = china_today()
    holder, reviewer = demo.user("holder"), demo.user("reviewer")
    drafts = []
    for _ in range(2):
        application = registrations.create_application(
            ApplicationKind.INITIAL, make_device(demo), actor=holder, today=today,
            production_address="河北省石家庄市")
        upload_all(application, holder)
        registrations.submit_application(application, actor=holder, password=PASSWORD,
                                         declaration=True, today=today)
        drafts.append(application)
    first, second = drafts
    _step(watch, lambda: review.request_correction(first, actor=reviewer, password=PASSWORD,
                                                   items="x", today=today))
    _step(watch, lambda: review.refuse_acceptance(second, actor=reviewer, password=PASSWORD,
                                                  reasons="x", today=today))


def test_arrangement_and_licence_steps_verify_before_writing(world: World, watch):  # noqa: F811
    today = china_today()
    proposed = world.arrangement_in(A.PROPOSED)
    maker = world.maker_of(proposed)
    _step(watch, lambda: arrangements.confirm(proposed, actor=world.user(maker),
                                              password=world.password_of(maker), today=today))
    active = world.arrangement_in(A.ACTIVE)
    reviewer = "reviewer.js"
    _step(watch, lambda: arrangements.suspend(active, actor=world.user(reviewer),
                                              password=world.password_of(reviewer),
                                              reason="x", today=today))
    _step(watch, lambda: arrangements.lift(active, actor=world.user(reviewer),
                                           password=world.password_of(reviewer), reason="x",
                                           today=today))
    request = request_scope_change(world.js_licence, actor=world.user("manufacturer"),
                                   codes=["09"], new_site_address=None, reason="x")
    _step(watch, lambda: decide_scope_change(request, actor=world.user(reviewer),
                                             password=world.password_of(reviewer),
                                             approve=True, reason="", today=today))


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
