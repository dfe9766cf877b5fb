"""Rate limits on sign-in and signing, idle timeout, security headers."""

import time

import pytest

from devreg import create_app
from devreg.security import limiter
from tests.conftest import FreshContextClient, csrf_token, login, post


@pytest.fixture
def strict_app(app, tmp_path):
    """An app with the production limits, sharing the suite's database."""
    strict = create_app({
        "TESTING": True, "SECRET_KEY": "strict-secret",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": str(tmp_path / "uploads"), "SERVER_NAME": "localhost",
        "BABEL_DEFAULT_LOCALE": "en",
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": "3 per minute",
        "LOGIN_RATE_LIMIT_PER_ADDRESS": "5 per minute",
        "SIGNATURE_RATE_LIMIT_PER_ACCOUNT": "2 per minute",
        "SIGNATURE_RATE_LIMIT_PER_ADDRESS": "100 per minute",
        "IDLE_TIMEOUT_MINUTES": 1,
    })
    strict.test_client_class = FreshContextClient
    limiter.reset()
    yield strict
    limiter.reset()
    with strict.app_context():
        from devreg.extensions import db

        db.engine.dispose()


def _attempt(client, email, password="wrong-password"):
    return client.post("/login", data={"csrf_token": csrf_token(client), "email": email,
                                       "password": password})


def test_login_limited_per_account_with_429(strict_app, demo):
    client = strict_app.test_client()
    for _ in range(3):
        assert _attempt(client, "holder@demo.devreg").status_code == 200
    response = _attempt(client, "holder@demo.devreg")
    assert response.status_code == 429
    assert "Too many" in response.get_data(as_text=True)
    # another account from the same address is still allowed (within the address limit)
    assert _attempt(client, "reviewer@demo.devreg").status_code == 200


def test_login_limited_per_client_address(strict_app, demo):
    client = strict_app.test_client()
    answers = [_attempt(client, f"nobody{i}@example.com").status_code for i in range(6)]
    assert answers[:5] == [200] * 5
    assert answers[5] == 429
    other = strict_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert _attempt(other, "nobody@example.com").status_code == 200


def test_signature_endpoint_limited_per_account(strict_app, demo):
    client = strict_app.test_client()
    login(client, "holder")
    from devreg.clock import china_today
    from devreg.extensions import db
    from devreg.registrations import services as svc
    from devreg.registrations.kinds import ApplicationKind
    from tests.registrations.helpers import make_device

    device = make_device(demo)
    application = svc.create_application(ApplicationKind.INITIAL, device,
                                         actor=demo.user("holder"), today=china_today(),
                                         production_address="x")
    db.session.commit()
    path = f"/applications/{application.id}"
    answers = [post(client, path + "/submit", {"signature_password": "wrong", "declaration": "y"},
                    token_from=path).status_code for _ in range(3)]
    assert answers[:2] == [422, 422]
    assert answers[2] == 429


def test_idle_session_is_signed_out(strict_app, demo, monkeypatch):
    client = strict_app.test_client()
    login(client, "holder")
    assert client.get("/home").status_code == 200
    later = time.time() + 61
    monkeypatch.setattr("devreg.security.time.time", lambda: later)
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.location
    monkeypatch.undo()
    assert client.get("/home").status_code == 302  # the session is really gone


def test_session_cookie_is_permanent_with_idle_lifetime(strict_app, demo):
    client = strict_app.test_client()
    response = login(client, "holder")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_on_every_page(client, demo):
    for path in ("/", "/login", "/registry", "/no/such/page"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Request-ID"]
        assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_https_is_configured(app, tmp_path):
    secure = create_app({"TESTING": True, "SECRET_KEY": "s", "SESSION_COOKIE_SECURE": True,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "UPLOAD_FOLDER": str(tmp_path)})
    response = secure.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with secure.app_context():
        from devreg.extensions import db

        db.engine.dispose()


def test_no_inline_script_in_any_template():
    from pathlib import Path

    for template in Path("templates").rglob("*.html"):
        text = template.read_text("utf-8")
        assert "<script>" not in text and "onclick=" not in text and "style=\"" not in text, (
            template)
