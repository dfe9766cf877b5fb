"""The calendar administration pages."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from devreg.clock import china_today
from devreg.extensions import db
from devreg.workdays.models import LIMITED_STAGES, CalendarYear, RegulatorHoliday, Stage
from devreg.workdays.queries import calendar_for, time_limit
from tests.conftest import post

ENTER = "/admin/calendar/years/enter"
YEAR_2027 = """# 2027 (test schedule)
2027-01-01 holiday 元旦
2027-02-06 holiday 春节
2027-02-07 holiday 春节
2027-02-08 holiday 春节
2027-02-20 workday 春节调休
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_admin_enters_year_round_trip(login_as):
    client = login_as("admin")
    assert client.get(ENTER).status_code == 200
    response = post(client, ENTER, {"year": "2027", "lines": YEAR_2027})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/calendar/")

    due = calendar_for("13").add_working_days(date(2026, 11, 25), 60)
    assert (due.due, due.provisional) == (date(2027, 2, 19), False)
    page = client.get("/admin/calendar/").get_data(as_text=True)
    assert 'data-year="2027" data-source="official"' in page

    form = client.get(f"{ENTER}?year=2027").get_data(as_text=True)
    assert "2027-02-20 workday 春节调休" in form


def test_calendar_page_marks_next_years_provisional(login_as):
    this_year = china_today().year
    page = login_as("admin").get("/admin/calendar/").get_data(as_text=True)
    for year in range(this_year, this_year + 4):
        assert f'data-year="{year}"' in page
    assert f'data-year="{this_year + 3}" data-source="provisional"' in page


def test_bad_lines_rejected_with_line_numbers_and_nothing_saved(login_as):
    client = login_as("admin")
    lines = ("2027-01-01 holiday 元旦\n"
             "2027-02-30 holiday 春节\n"
             "2027-03-01 workday 调休\n"
             "\n"
             "2026-12-31 holiday 元旦\n")
    response = post(client, ENTER, {"year": "2027", "lines": lines}, headers={
        "Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Line 2:" in page
    assert "Line 3:" in page
    assert "Line 5:" in page
    assert "Line 1:" not in page
    assert "2027-03-01 workday 调休" in page  # what was typed is kept
    assert _count(CalendarYear) == 0


def test_prefill_from_library_for_known_year(login_as):
    page = login_as("admin").get(f"{ENTER}?year=2026").get_data(as_text=True)
    assert "2026-10-10 workday National Day" in page


@pytest.mark.parametrize("user", ["holder", "reviewer", "manufacturer"])
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/admin/calendar/"),
    ("get", ENTER),
    ("post", ENTER),
    ("post", "/admin/calendar/provinces/13/limits"),
    ("post", "/admin/calendar/provinces/13/holidays"),
])
def test_manage_pages_forbidden_to_non_admins(login_as, user, method, path):
    client = login_as(user)
    if method == "get":
        response = client.get(path)
    else:
        response = post(client, path, {"year": "2027", "lines": YEAR_2027,
                                       "date": "2026-12-01", "name": "x"})
    assert response.status_code == 403
    assert _count(CalendarYear) == 0
    assert _count(RegulatorHoliday) == 0


@pytest.mark.parametrize("path", ["/admin/calendar/", ENTER, "/admin/calendar/provinces",
                                  "/admin/calendar/provinces/13"])
def test_anonymous_redirected_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_reviewer_sees_own_province_limits_read_only(login_as):
    client = login_as("reviewer")  # Hebei
    response = client.get("/admin/calendar/provinces")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/calendar/provinces/13")
    page = client.get("/admin/calendar/provinces/13").get_data(as_text=True)
    assert 'data-testid="time-limits"' in page
    assert "/admin/calendar/provinces/13/limits" not in page
    assert client.get("/admin/calendar/provinces/32").status_code == 403


def test_holder_cannot_view_limits(login_as):
    assert login_as("holder").get("/admin/calendar/provinces/13").status_code == 403


def test_time_limits_default_and_admin_change_applies_to_one_province(login_as):
    client = login_as("admin")
    page = client.get("/admin/calendar/provinces/13").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="technical_review"[^>]*value="60"', page)
    data = {s.value: str(time_limit("13", s)) for s in LIMITED_STAGES}
    data["technical_review"] = "45"
    response = post(client, "/admin/calendar/provinces/13/limits", data)
    assert response.status_code == 302
    assert time_limit("13", Stage.TECHNICAL_REVIEW) == 45
    assert time_limit("32", Stage.TECHNICAL_REVIEW) == 60
    assert time_limit("13", Stage.DECISION) == 20


def test_time_limits_page_offers_no_limit_for_class_ii_qms_verification(login_as):
    # Order 47 Art 93: the 30-working-day verification limit is a Class III rule
    page = login_as("admin").get("/admin/calendar/provinces/13").get_data(as_text=True)
    assert 'name="technical_review"' in page
    assert 'name="qms_verification"' not in page


def test_time_limit_form_rejects_zero(login_as):
    client = login_as("admin")
    data = {s.value: "0" for s in LIMITED_STAGES}
    response = post(client, "/admin/calendar/provinces/13/limits", data)
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    assert time_limit("13", Stage.ACCEPTANCE) == 5


def test_admin_adds_and_removes_regulator_holiday(login_as):
    client = login_as("admin")
    response = post(client, "/admin/calendar/provinces/13/holidays",
                    {"date": "2026-11-26", "name": "办公楼搬迁"})
    assert response.status_code == 302
    assert calendar_for("13").add_working_days(date(2026, 11, 25), 1).due == date(2026, 11, 27)
    assert calendar_for("32").add_working_days(date(2026, 11, 25), 1).due == date(2026, 11, 26)
    duplicate = post(client, "/admin/calendar/provinces/13/holidays",
                     {"date": "2026-11-26", "name": "again"})
    assert duplicate.status_code == 200
    holiday = db.session.scalar(select(RegulatorHoliday))
    # the holiday belongs to Hebei: another province's URL does not reach it
    assert post(client, f"/admin/calendar/provinces/32/holidays/{holiday.id}/delete"
                ).status_code == 404
    assert post(client, f"/admin/calendar/provinces/13/holidays/{holiday.id}/delete"
                ).status_code == 302
    assert _count(RegulatorHoliday) == 0


def test_nav_shows_calendar_to_admin_only(login_as, app):
    page = login_as("admin").get("/home").get_data(as_text=True)
    assert "/admin/calendar/" in page
    other = app.test_client()
    from tests.conftest import login

    login(other, "holder")
    assert "/admin/calendar/" not in other.get("/home").get_data(as_text=True)
