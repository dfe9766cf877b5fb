"""Lists page, filter, sort and search on the server, with the filters in the URL; the
public registry counts, filters and pages; an unknown number gets a plain not-found page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from devreg.audit.services import acting_as
from devreg.bench.generate import generate
from devreg.certificates.models import Certificate
from devreg.clock import china_today
from devreg.demo.loader import load_demo
from devreg.extensions import db
from devreg.registrations.clock_pages import clocks_for
from devreg.registrations.models import Application
from tests.conftest import login


@pytest.fixture
def volume(app):  # type: ignore[no-untyped-def]
    with acting_as(None, "test"):
        load_demo(scenarios=False)
    db.session.commit()
    generate(applications=400, organisations=30, audit_events=0, seed=5,
             big_holder_share=0.3, busy_share=0.6)
    db.session.commit()


def _client(app, account, lang="en"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    if account:
        login(client, account)
    return client


def _total(page: str) -> tuple[int, int, int]:
    match = re.search(r'data-testid="list-total">([\d,]+)-([\d,]+) of ([\d,]+)<', page)
    assert match, "no visible total"
    return tuple(int(g.replace(",", "")) for g in match.groups())  # type: ignore[return-value]


def _refs(page: str) -> list[str]:
    return re.findall(r'href="/applications/(\d+)"', page)


def _holder_count(**where) -> int:  # type: ignore[no-untyped-def]
    from devreg.auth.models import User

    holder = db.session.scalar(select(User).where(User.email == "holder@demo.devreg"))
    query = select(func.count(Application.id)).where(
        Application.holder_org_id == holder.organisation_id)
    for key, value in where.items():
        query = query.where(getattr(Application, key) == value)
    return db.session.scalar(query)


def test_application_list_pages_with_a_visible_total(app, volume):
    client = _client(app, "holder")
    total = _holder_count()
    assert total > 50
    first = client.get("/applications").get_data(as_text=True)
    assert _total(first) == (1, 50, total)
    assert len(_refs(first)) == 50
    second = client.get("/applications?page=2").get_data(as_text=True)
    assert _total(second)[:2] == (51, min(100, total))
    assert not set(_refs(first)) & set(_refs(second))
    assert 'rel="next"' in first and 'href="/applications?page=2"' in first
    # past the end: the last page, not an empty one
    last = client.get("/applications?page=999").get_data(as_text=True)
    assert _total(last)[1] == total


def test_application_list_filters_live_in_the_url(app, volume):
    client = _client(app, "holder")
    page = client.get("/applications?state=in_review").get_data(as_text=True)
    assert _total(page)[2] == _holder_count(state="in_review")
    assert "In technical review" in page
    # a filter link keeps the filter when paging, and the form shows it selected
    assert '<option value="in_review" selected>' in page
    unknown = client.get("/applications?state=bogus").get_data(as_text=True)
    assert "Unknown value for “State” ignored." in unknown
    bad_date = client.get("/applications?received_from=yesterday").get_data(as_text=True)
    assert "is not a date" in bad_date


def test_application_list_sorts_by_due_date_and_filters_overdue(app, volume):
    client = _client(app, "reviewer")
    today = china_today()
    page = client.get("/applications?sort=due").get_data(as_text=True)
    ids = [int(i) for i in _refs(page)]
    applications = {a.id: a for a in db.session.scalars(
        select(Application).where(Application.id.in_(ids)))}
    rows = clocks_for([applications[i] for i in ids], today)
    # the order by due date is exact (the stored clock dates, docs/rules.md §3): the running
    # clocks come first, soonest due first
    dues = [clock.due for _a, clock in rows if clock is not None and not clock.paused]
    assert dues and dues == sorted(dues)
    assert rows[0][1] is not None and not rows[0][1].paused
    overdue = client.get("/applications?clock=overdue").get_data(as_text=True)
    overdue_ids = [int(i) for i in _refs(overdue)]
    assert overdue_ids
    overdue_rows = clocks_for(list(db.session.scalars(
        select(Application).where(Application.id.in_(overdue_ids)))), today)
    assert all(clock is not None and clock.overdue for _a, clock in overdue_rows)
    soon = client.get("/applications?clock=due_soon").get_data(as_text=True)
    soon_rows = clocks_for(list(db.session.scalars(select(Application).where(
        Application.id.in_([int(i) for i in _refs(soon)])))), today)
    assert all(clock is not None and clock.due_soon for _a, clock in soon_rows)


def test_search_finds_by_reference_and_device(app, volume):
    client = _client(app, "reviewer")
    application = db.session.scalar(select(Application).where(
        Application.province_code == "13", Application.acceptance_number.is_not(None)).limit(1))
    page = client.get(f"/applications?q={application.acceptance_number}").get_data(as_text=True)
    assert _refs(page) == [str(application.id)]
    by_device = client.get(f"/applications?q={application.device.name}").get_data(as_text=True)
    assert str(application.id) in _refs(by_device)


def test_queue_opens_on_the_first_tab_with_work_and_filters_mine(app, volume):
    approver = _client(app, "approver")
    page = approver.get("/review/queue").get_data(as_text=True)
    # the approver has the decision duty only: one tab, the decision queue
    assert "stage=decision" in page and "stage=acceptance" not in page
    reviewer = _client(app, "reviewer")
    db.session.execute(db.update(Application).where(Application.state == "submitted")
                       .values(state="withdrawn"))
    db.session.commit()
    page = reviewer.get("/review/queue").get_data(as_text=True)
    # nothing left to accept: the reviewer lands on the technical review tab
    assert re.search(r'nav-link active" href="/review/queue\?stage=review"', page)
    assert 'data-testid="assignee"' in page
    mine = reviewer.get("/review/queue?stage=review&assignee=mine").get_data(as_text=True)
    assert _total(mine)[2] == 0 if "list-total" in mine else True
    assert "Nothing here." in mine


def test_pages_render_their_lists_in_chinese(app, volume):
    client = _client(app, "reviewer", lang="zh-CN")
    page = client.get("/applications").get_data(as_text=True)
    assert "共" in page and "排序" in page and "筛选" in page


def test_home_pages_show_counts_and_the_top_ten_only(app, volume):
    page = _client(app, "holder").get("/home").get_data(as_text=True)
    assert len(re.findall(r'href="/applications/\d+"', page)) <= 20  # two lists of 10
    assert 'href="/applications?clock=overdue"' in page
    reviewer = _client(app, "reviewer").get("/home").get_data(as_text=True)
    assert "/review/queue?stage=review&amp;assignee=mine" in reviewer or \
        "/review/queue?stage=review&assignee=mine" in reviewer


# --- the public registry ----------------------------------------------------------------------

def test_registry_filters_counts_and_pages(app, volume):
    client = _client(app, None)
    valid_13 = db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.status == "valid", Certificate.province_code == "13"))
    page = client.get("/registry?status=valid&province=13").get_data(as_text=True)
    assert _total(page) == (1, min(20, valid_13), valid_13)
    assert page.count('href="/verify/') == min(20, valid_13)
    cancelled = db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.status == "cancelled"))
    browse = client.get("/registry").get_data(as_text=True)
    assert 'href="/registry?status=cancelled' in browse and 'data-testid="browse-revoked"' in browse
    assert _total(client.get("/registry?status=cancelled").get_data(as_text=True))[2] == cancelled
    some = db.session.scalar(select(Certificate).limit(1))
    since = some.approved_on.isoformat()
    until = (some.approved_on + timedelta(days=0)).isoformat()
    dated = client.get(f"/registry?approved_from={since}&approved_to={until}").get_data(
        as_text=True)
    assert some.number in dated
    holder = client.get(f"/registry?holder={some.holder_name}&q={some.number}")
    assert some.number in holder.get_data(as_text=True)
    other = client.get(f"/registry?holder=nobody-at-all&q={some.number}")
    assert some.number not in other.get_data(as_text=True).split("</form>", 1)[1]


@pytest.mark.parametrize("number", ["冀械注准20269990999", "not-a-number", "冀械注准2026"])
def test_unknown_or_malformed_number_gets_the_plain_not_found_page(app, demo, number):
    client = _client(app, None, lang="zh-CN")
    response = client.get(f"/verify/{number}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "未查到该注册证编号，请核实，谨防假冒" in page
    assert 'data-testid="verify-form"' in page
    assert "Set-Cookie" not in response.headers


def test_landing_and_login_pages_link_to_registry_and_verification(app, demo):
    client = _client(app, None)
    for path in ("/", "/login"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/registry"' in page and 'href="/verify"' in page, path
    lookup = client.get("/verify?number=abc")
    assert lookup.status_code == 302 and lookup.headers["Location"].endswith("/verify/abc")


def test_every_other_list_pages_and_filters(app, volume):
    from devreg.arrangements.models import Arrangement
    from devreg.auth.models import User
    from devreg.orgs.models import Organisation
    from devreg.production.models import ProductionLicence

    def count(model, *where):  # type: ignore[no-untyped-def]
        return db.session.scalar(select(func.count(model.id)).where(*where))

    admin = _client(app, "admin")
    cases = [
        (admin, "/admin/organisations/?kind=regulator",
         count(Organisation, Organisation.is_regulator.is_(True))),
        (admin, "/admin/users?role=reviewer", count(User, User.role == "reviewer")),
        (admin, "/production/licences?province=13",
         count(ProductionLicence, ProductionLicence.province_code == "13")),
        (admin, "/certificates?status=revoked",
         count(Certificate, Certificate.status == "revoked")),
    ]
    reviewer = _client(app, "reviewer")
    touches_13 = ((Arrangement.holder_province_code == "13")
                  | (Arrangement.site_province_code == "13"))
    cases += [
        (reviewer, "/arrangements?state=active",
         count(Arrangement, Arrangement.state == "active", touches_13)),
        (reviewer, "/supervision?state=active",
         count(Arrangement, Arrangement.state == "active", touches_13)),
    ]
    for client, path, expected in cases:
        page = client.get(path).get_data(as_text=True)
        assert _total(page)[2] == expected, path
    holder = _client(app, "holder")
    devices = holder.get("/devices?q=B0000").get_data(as_text=True)
    assert _total(devices)[2] >= 1 and "B0000" in devices
    assert "None." in holder.get("/production/scope-changes?state=pending").get_data(as_text=True)
