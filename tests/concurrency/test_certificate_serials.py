"""Certificate serials under parallel approvals: unique, consecutive, no gaps after a rollback.

Each approving thread has its own application context, hence its own session and its own
database connection (a second application object on the same database, with a pool large
enough for every thread at once), and all threads start the decision together at a barrier.

On PostgreSQL the approvals really overlap. Two locks make them queue: the audit chain's
advisory lock, taken at a decision's first flush (the signature), and the counter row, locked
by the allocating UPDATE. Because the first already serialises whole decisions, the counter is
also tested on its own, without the audit trail, so that a broken allocator cannot hide behind
the audit lock. SQLite allows one writer at a time; the connections wait for the write lock
(busy timeout) instead of failing, so the same tests run there too and check the same
promises."""

from __future__ import annotations

import io
import threading
import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from devreg.audit.queries import verify_chain
from devreg.audit.services import acting_as
from devreg.auth.models import User
from devreg.certificates.models import Certificate, NumberCounter
from devreg.certificates.numbers import CERTIFICATE_NUMBER_RE, next_value
from devreg.extensions import db
from devreg.registrations import services as filing
from devreg.registrations.kinds import ApplicationKind
from devreg.registrations.models import Application
from devreg.review import services as review
from tests.foundation.helpers import dispose, make_app

PASSWORD = "devreg-demo"
PARALLEL = 20
HEBEI = "13"
#: a Monday of 2026 (a year chinese_calendar knows); the review happened the week before
FILED_ON, APPROVED_ON = date(2026, 3, 2), date(2026, 3, 9)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def accounts(app):  # type: ignore[no-untyped-def]
    """The demo accounts, without the demo scenarios (their serials would be taken)."""
    from devreg.demo.loader import load_demo

    with acting_as(None, "test"):
        load_demo(scenarios=False)
    db.session.commit()


def _user(email: str) -> User:
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def review_done_applications(count: int) -> list[int]:
    """``count`` initial applications of the Hebei holder, each with a signed review opinion
    recommending approval, made through the real services. Returns their ids."""
    holder, reviewer = _user("holder@demo.devreg"), _user("reviewer@demo.devreg")
    ids = []
    for i in range(count):
        with acting_as(holder.id, holder.email):
            device = filing.create_device(filing.DeviceData(
                name=f"并发测试血压计 {i:02d}", model_spec=f"BP-{i:02d}", structure="主机、袖带",
                intended_use="测量血压", device_class="2", category_code="07",
                is_ivd_reagent=False), holder_org_id=holder.organisation_id)
            application = filing.create_application(
                ApplicationKind.INITIAL, device, actor=holder, today=FILED_ON,
                production_address="河北省石家庄市高新区天山大街 266 号")
            for chapter in application.checklist:
                if chapter.required:
                    filing.add_dossier_file(application, chapter.code, filename="c.pdf",
                                            stream=io.BytesIO(PDF), actor=holder)
            filing.submit_application(application, actor=holder, password=PASSWORD,
                                      declaration=True, today=FILED_ON)
        with acting_as(reviewer.id, reviewer.email):
            review.accept(application, actor=reviewer, password=PASSWORD, today=FILED_ON)
            review.assign_reviewer(application, actor=reviewer, reviewer=reviewer,
                                   today=FILED_ON)
            review.record_qms(application, actor=reviewer, result="pass", notes="",
                              today=FILED_ON)
            review.give_opinion(application, actor=reviewer, password=PASSWORD,
                                recommendation="approve", text="符合要求", today=FILED_ON)
        db.session.commit()
        ids.append(application.id)
    return ids


def approve(application_id: int, *, commit: bool = True) -> str:
    """The approver decides in the current session; returns the certificate number."""
    approver = _user("approver@demo.devreg")
    application = db.session.get(Application, application_id)
    with acting_as(approver.id, approver.email):
        certificate = review.decide(application, actor=approver, password=PASSWORD,
                                    approve=True, reasons="", today=APPROVED_ON)
        db.session.flush()
    assert certificate is not None
    number = certificate.number
    if commit:
        db.session.commit()
    else:
        db.session.rollback()
    return number


def parallel_app(app):  # type: ignore[no-untyped-def]
    """The same database, with a pool that gives every thread its own connection."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = {"pool_size": PARALLEL + 2, "max_overflow": 0,
                               "pool_timeout": 60}
    if uri.startswith("sqlite"):
        # one writer at a time: wait for the write lock rather than fail at once
        options["connect_args"] = {"timeout": 120, "check_same_thread": False}
    return make_app(app, SQLALCHEMY_ENGINE_OPTIONS=options)


def approve_in_parallel(app, ids: list[int], *, roll_back: set[int] = frozenset()):  # type: ignore[no-untyped-def, assignment]
    """Approve ``ids`` from one thread each, all released together; the ids in ``roll_back``
    allocate their number and then roll back. Returns (number by id, connection ids)."""
    db.session.commit()  # the test's own session holds nothing while the threads run
    other = parallel_app(app)
    barrier = threading.Barrier(len(ids), timeout=120)
    numbers: dict[int, str] = {}
    connections: dict[int, Any] = {}
    errors: list[BaseException] = []

    def work(application_id: int) -> None:
        with other.app_context():
            try:
                # load everything and hold a connection before the start signal
                application = db.session.get(Application, application_id)
                assert application is not None
                assert application.state == "review_done"
                if db.engine.dialect.name == "postgresql":
                    connections[application_id] = db.session.execute(
                        text("SELECT pg_backend_pid()")).scalar()
                else:
                    connections[application_id] = id(
                        db.session.connection().connection.dbapi_connection)
                barrier.wait()
                numbers[application_id] = approve(application_id,
                                                  commit=application_id not in roll_back)
            except BaseException as error:
                barrier.abort()
                errors.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    dispose(other)
    assert not any(t.is_alive() for t in threads), "an approval hung"
    assert errors == [], errors
    db.session.expire_all()
    return numbers, connections


def certificates_of_year() -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(
        Certificate.province_code == HEBEI, Certificate.first_year == APPROVED_ON.year)
        .order_by(Certificate.serial)))


def counter_value() -> int | None:
    return db.session.scalar(select(NumberCounter.last_value).where(
        NumberCounter.kind == "certificate", NumberCounter.province_code == HEBEI,
        NumberCounter.year == APPROVED_ON.year))


def test_twenty_parallel_approvals_get_twenty_distinct_consecutive_serials(app, accounts):
    ids = review_done_applications(PARALLEL)
    numbers, connections = approve_in_parallel(app, ids)

    # every thread worked on its own connection, all open at the same time
    assert len(set(connections.values())) == PARALLEL
    assert len(numbers) == PARALLEL
    assert len(set(numbers.values())) == PARALLEL
    serials = sorted(int(CERTIFICATE_NUMBER_RE.match(n)["serial"]) for n in numbers.values())
    assert serials == list(range(1, PARALLEL + 1))
    assert sorted(n[-4:] for n in numbers.values()) == [f"{i:04d}" for i in
                                                        range(1, PARALLEL + 1)]

    certificates = certificates_of_year()
    assert len(certificates) == PARALLEL
    assert [c.serial for c in certificates] == list(range(1, PARALLEL + 1))
    assert {c.number for c in certificates} == set(numbers.values())
    assert all(c.number.startswith(f"冀械注准{APPROVED_ON.year}207") for c in certificates)
    assert counter_value() == PARALLEL
    # each application points at the certificate its own thread was given
    for application_id, number in numbers.items():
        application = db.session.get(Application, application_id)
        assert application.state == "approved"
        assert application.certificate.number == number
    assert db.session.scalar(select(func.count(Certificate.id))) == PARALLEL
    assert verify_chain()[1] is None  # parallel writers never forked the audit chain


def test_parallel_approvals_that_roll_back_leave_no_gap(app, accounts):
    ids = review_done_applications(6)
    rolled_back = {ids[1], ids[4]}
    numbers, _connections = approve_in_parallel(app, ids, roll_back=rolled_back)

    kept = [c.serial for c in certificates_of_year()]
    assert kept == [1, 2, 3, 4]
    assert counter_value() == 4
    for application_id in rolled_back:
        assert db.session.get(Application, application_id).state == "review_done"
    assert set(numbers) == set(ids)  # the two rolled back had a number in hand, too


def test_a_rolled_back_approval_does_not_consume_a_serial(app, accounts):
    first, second, third = review_done_applications(3)
    assert approve(first).endswith("0001")

    given_back = approve(second, commit=False)
    assert given_back.endswith("0002")  # allocated inside the transaction ...
    db.session.expire_all()
    assert counter_value() == 1  # ... and returned by the rollback
    assert db.session.get(Application, second).state == "review_done"
    assert db.session.scalar(select(Certificate.id).where(
        Certificate.number == given_back)) is None

    assert approve(third).endswith("0002")  # the next approval gets the next number
    assert approve(second).endswith("0003")
    assert [c.serial for c in certificates_of_year()] == [1, 2, 3]


def test_the_counter_alone_hands_out_consecutive_numbers_to_parallel_transactions(app,
                                                                                  accounts):
    """Twenty transactions allocate from a counter that does not exist yet (so they also race
    to create it), hold their number a moment, and commit; none is audited, so only the
    counter's own locking keeps them apart."""
    db.session.commit()
    other = parallel_app(app)
    barrier = threading.Barrier(PARALLEL, timeout=120)
    values: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        with other.app_context():
            try:
                db.session.execute(select(func.count(NumberCounter.id))).scalar()  # connect
                barrier.wait()
                value = next_value("certificate", HEBEI, 2031)
                time.sleep(0.02)  # keep the transaction open while the others queue
                db.session.commit()
                values.append(value)
            except BaseException as error:
                barrier.abort()
                errors.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=work) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    dispose(other)
    assert errors == [], errors
    assert sorted(values) == list(range(1, PARALLEL + 1))
    db.session.expire_all()
    assert db.session.scalar(select(NumberCounter.last_value).where(
        NumberCounter.kind == "certificate", NumberCounter.province_code == HEBEI,
        NumberCounter.year == 2031)) == PARALLEL
