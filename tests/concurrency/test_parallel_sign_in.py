"""Thirty wrong passwords for one account at the same moment, each from its own browser on its
own database connection: the lockout of 5 holds. The attempt is counted by one atomic UPDATE
before the password is checked, so at most 5 passwords are ever checked against the account's
hash, whatever the timing (measured before: all 30 were checked against a count read too early).
Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from devreg.audit.models import AuditEvent
from devreg.auth import services as auth_services
from devreg.auth.models import User
from devreg.extensions import db
from tests.conftest import CSRF_RE
from tests.foundation.helpers import dispose, make_app, text_of

ATTEMPTS = 30
LIMIT = 5
REFUSED = "Email or password is not correct, or the account is locked after 5 failed attempts"


def _parallel_app(app):  # type: ignore[no-untyped-def]
    """The same database, with a pool that gives every thread its own connection."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options: dict[str, Any] = {"pool_size": ATTEMPTS + 2, "max_overflow": 0, "pool_timeout": 120}
    if uri.startswith("sqlite"):
        # one writer at a time: wait for the write lock rather than fail at once
        options["connect_args"] = {"timeout": 120, "check_same_thread": False}
    return make_app(app, SQLALCHEMY_ENGINE_OPTIONS=options)


def _fire(app, monkeypatch, email: str, password: str):  # type: ignore[no-untyped-def]
    """ATTEMPTS sign-ins released together; returns (responses' texts, checks of the account's
    hash)."""
    account_hash = db.session.scalar(select(User.password_hash).where(User.email == email))
    db.session.commit()  # the test's own session holds nothing while the threads run
    checked: list[str] = []
    guard = threading.Lock()
    real_verify = auth_services.verify_password

    def counting_verify(password_hash: str, candidate: str) -> bool:
        if password_hash == account_hash:
            with guard:
                checked.append(candidate)
        return real_verify(password_hash, candidate)

    monkeypatch.setattr(auth_services, "verify_password", counting_verify)
    other = _parallel_app(app)
    barrier = threading.Barrier(ATTEMPTS, timeout=120)
    texts: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with other.app_context():  # each request also gets a context of its own
                client = other.test_client()
                page = client.get("/login").get_data(as_text=True)
                token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
                barrier.wait()
                response = client.post("/login", data={"csrf_token": token, "email": email,
                                                       "password": password})
                with guard:
                    texts.append(f"{response.status_code} {text_of(response)}")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    dispose(other)
    db.session.expire_all()
    assert not errors, errors
    assert len(texts) == ATTEMPTS
    return texts, checked


def test_thirty_parallel_wrong_passwords_check_at_most_five(app, demo, monkeypatch):
    texts, checked = _fire(app, monkeypatch, "holder@demo.devreg", "not-the-password")

    assert 1 <= len(checked) <= LIMIT, f"{len(checked)} passwords checked against the account"
    # every attempt got the same answer, and none signed in
    assert all(text.startswith("200 ") and REFUSED in text for text in texts)
    holder = db.session.scalar(select(User).where(User.email == "holder@demo.devreg"))
    assert holder.is_locked()
    locks = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.subject_type == "User", AuditEvent.subject_id == holder.id,
        AuditEvent.action == "lock"))
    assert locks >= 1


def test_parallel_attempts_with_the_right_password_still_find_the_lock(app, demo, monkeypatch):
    """After the lock holds, not even the right password is checked."""
    _fire(app, monkeypatch, "holder@demo.devreg", "not-the-password")
    texts, checked = _fire(app, monkeypatch, "holder@demo.devreg", "devreg-demo")
    assert checked == []
    assert all(REFUSED in text for text in texts)
