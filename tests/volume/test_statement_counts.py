"""Every list and home page runs the same number of SQL statements whatever the data size:
clocks, time limits and calendars are loaded once per page, lists are paged, and no row loads
its relations one by one. Each page is measured on the demo plus a generated dataset, then
again after ten times as many rows were added."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from devreg.audit.services import acting_as
from devreg.bench.generate import generate
from devreg.bench.statements import count_statements
from devreg.certificates.models import Certificate
from devreg.demo.loader import load_demo
from devreg.extensions import db
from devreg.registrations.models import Application
from tests.conftest import login

#: (account, page) pairs: every list and home page, for each role that sees it
PAGES = [
    ("holder", "/home"), ("holder", "/applications"), ("holder", "/devices"),
    ("holder", "/certificates"), ("holder", "/arrangements"),
    ("holder", "/production/licences"), ("holder", "/production/scope-changes"),
    ("reviewer", "/home"), ("reviewer", "/applications"), ("reviewer", "/review/queue"),
    ("reviewer", "/review/queue?stage=review"), ("reviewer", "/certificates"),
    ("reviewer", "/arrangements"), ("reviewer", "/supervision"),
    ("reviewer", "/production/licences"), ("reviewer", "/production/scope-changes"),
    ("approver", "/home"), ("approver", "/review/queue?stage=decision"),
    ("manufacturer", "/home"), ("manufacturer", "/certificates"),
    ("manufacturer", "/arrangements"),
    ("admin", "/home"), ("admin", "/admin/users"), ("admin", "/admin/organisations/"),
    ("admin", "/production/licences"), ("admin", "/certificates"),
    (None, "/registry?q=%E6%A2%B0"), (None, "/registry"),
]


def _measure(app, pages):  # type: ignore[no-untyped-def]
    counts = {}
    clients = {}
    for account, path in pages:
        if account not in clients:
            client = app.test_client()
            if account is not None:
                login(client, account)
            client.get("/home" if account else "/")  # warm: the first request loads caches
            clients[account] = client
        client = clients[account]
        client.get(path)
        with count_statements(db.engine) as log:
            response = client.get(path)
        assert response.status_code == 200, (account, path, response.status_code)
        counts[(account, path)] = log.count
    return counts


def _grow(applications: int, seed: int) -> None:
    generate(applications=applications, organisations=max(applications // 10, 10),
             audit_events=0, seed=seed, big_holder_share=0.1, busy_share=0.5)
    db.session.commit()


@pytest.fixture
def full_demo(app):  # type: ignore[no-untyped-def]
    with acting_as(None, "test"):
        load_demo()
    db.session.commit()


def test_statements_per_page_do_not_grow_with_the_data(app, full_demo):
    _grow(60, seed=1)
    some_application = db.session.scalar(select(Application.id).where(
        Application.province_code == "13", Application.state == "in_review").limit(1))
    some_number = db.session.scalar(select(Certificate.number).limit(1))
    pages = [*PAGES, ("reviewer", f"/applications/{some_application}"),
             (None, f"/verify/{some_number}")]
    small = _measure(app, pages)
    _grow(600, seed=2)
    large = _measure(app, pages)
    grown = {page: (small[page], large[page]) for page in pages if large[page] > small[page]}
    assert not grown, f"statements grew with the data (small, large): {grown}"

