"""The fixed cost of a request: the user is loaded with one query, the session cookie is not
re-signed on every request, anonymous pages without a form set no cookie, the public registry
can be cached by a proxy, and calendars are cached per process under a version token."""

from __future__ import annotations

from datetime import date

from flask import g

from devreg import security
from devreg.auth.sessions import load_user
from devreg.bench.statements import count_statements
from devreg.extensions import db
from devreg.workdays import queries as workday_queries
from devreg.workdays.models import CalendarVersion
from devreg.workdays.queries import calendar_for
from devreg.workdays.services import add_regulator_holiday
from tests.conftest import login


def test_user_is_loaded_with_one_statement(app, demo):
    user = demo.user("reviewer")
    token = user.get_id()
    db.session.expunge_all()
    with count_statements(db.engine) as log:
        loaded = load_user(token)
        assert loaded.organisation.province.name_en  # the chain the pages use, no lazy load
    assert log.count == 1


def test_session_cookie_is_not_rewritten_on_every_request(app, demo, monkeypatch):
    client = app.test_client()
    login(client, "holder")
    first = client.get("/account/password")
    assert first.status_code == 200
    second = client.get("/account/password")
    assert second.status_code == 200
    assert "Set-Cookie" not in second.headers
    # a minute later last_seen is written again (and so the cookie), keeping the idle timeout
    clock = security.time.time()
    minute_later = clock + security.LAST_SEEN_RESOLUTION_SECONDS + 1
    monkeypatch.setattr(security.time, "time", lambda: minute_later)
    later = client.get("/account/password")
    assert "session=" in later.headers.get("Set-Cookie", "")


def test_anonymous_pages_without_a_form_set_no_cookie(app, demo):
    client = app.test_client()
    for path in ("/", "/registry", "/registry?q=x", "/verify/nothing-here"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
    # the sign-in form needs its CSRF token, so it does set one
    assert "session=" in client.get("/login").headers.get("Set-Cookie", "")


def test_anonymous_language_switch_is_a_link_that_remembers_the_language(app, demo):
    client = app.test_client()
    page = client.get("/registry").get_data(as_text=True)
    assert "/language/zh_CN?next=/registry" in page.replace("&amp;", "&") or \
        "/language/zh_CN?next=%2Fregistry" in page
    response = client.get("/language/zh_CN?next=/registry")
    assert response.status_code == 302 and response.headers["Location"].endswith("/registry")
    assert 'lang="zh-CN"' in client.get("/registry").get_data(as_text=True)


def test_registry_and_verify_are_publicly_cacheable(app, demo):
    client = app.test_client()
    for path in ("/registry", "/registry?q=abc"):
        cache = client.get(path).headers.get("Cache-Control", "")
        assert cache.startswith("public") and "max-age=" in cache, path


def test_calendar_is_built_once_per_version_and_rebuilt_after_an_edit(app, demo):
    admin = demo.user("admin")
    add_regulator_holiday("13", date(2026, 3, 4), "regulator day", actor=admin)
    db.session.commit()
    g.pop("calendar_version", None)
    first = calendar_for("13")
    g.pop("calendar_version", None)  # the next request
    with count_statements(db.engine) as log:
        again = calendar_for("13")
    assert again is first and log.count == 1  # only the version token is read
    assert not first.is_workday(date(2026, 3, 4))
    add_regulator_holiday("13", date(2026, 3, 5), "another day", actor=admin)
    db.session.commit()
    g.pop("calendar_version", None)
    rebuilt = calendar_for("13")
    assert rebuilt is not first and not rebuilt.is_workday(date(2026, 3, 5))


def test_another_worker_edit_is_seen_through_the_token(app, demo):
    """Another process's edit changes only the database: the token tells this one."""
    admin = demo.user("admin")
    add_regulator_holiday("13", date(2026, 3, 4), "regulator day", actor=admin)
    db.session.commit()
    g.pop("calendar_version", None)
    cached = calendar_for("13")
    # the other worker: a new holiday written with plain SQL and a new token
    db.session.execute(db.text(
        "INSERT INTO regulator_holidays (province_code, date, name) "
        "VALUES ('13', '2026-03-06', 'x')"))
    db.session.execute(db.update(CalendarVersion).values(token="other-worker-token"))
    db.session.commit()
    g.pop("calendar_version", None)
    fresh = calendar_for("13")
    assert fresh is not cached and not fresh.is_workday(date(2026, 3, 6))
    assert workday_queries._CALENDARS.get(("other-worker-token", "13")) is fresh
