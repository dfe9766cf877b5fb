"""Issue 15 items 2, 3 and 6: settings a host must have, the client's real address, the
canonical origin, accepted Host headers, request ids, health checks and JSON logs.

Why: SECRET_KEY=a was accepted; memory:// limits were accepted with 4 workers (100 of 100
wrong sign-ins got through a limit of 30); behind one proxy 40 people shared one address's
budget and every audit event recorded the proxy; the Host header ended up in the publicly
cached QR code, as http even with HTTPS=1; the client's X-Request-ID went unchecked into logs."""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from devreg import create_app
from devreg.audit.models import AuditEvent
from devreg.extensions import db
from devreg.security import limiter
from tests.conftest import csrf_token, login
from tests.foundation.helpers import dispose, make_app
from tests.foundation.test_audit import create_org
from tests.hosts.conftest import STRONG_AUDIT_KEY, STRONG_SECRET


def _production(app, tmp_path, **overrides):  # type: ignore[no-untyped-def]
    config = {"DEVREG_ENV": "production", "SECRET_KEY": STRONG_SECRET,
              "AUDIT_KEY": STRONG_AUDIT_KEY,
              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
              "UPLOAD_FOLDER": str(tmp_path / "uploads"), "PUBLIC_URL": "https://devreg.example",
              "REDIS_URL": "redis://127.0.0.1:6379/0"}
    config.update(overrides)
    return create_app({k: v for k, v in config.items() if v is not None})


@pytest.mark.parametrize("key", ["a", "x" * 40, "short-but-varied-key-123"])
def test_production_refuses_a_weak_secret_key(app, tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY must be at least 32 random bytes"):
        _production(app, tmp_path, SECRET_KEY=key)


def test_production_refuses_a_weak_audit_key(app, tmp_path):
    with pytest.raises(RuntimeError, match="AUDIT_KEY must be at least 32 random bytes"):
        _production(app, tmp_path, AUDIT_KEY="audit")


def test_production_refuses_per_process_rate_limits(app, tmp_path):
    with pytest.raises(RuntimeError, match="memory:// are per process"):
        _production(app, tmp_path, REDIS_URL=None)
    # one worker process on purpose: allowed when said so
    single = _production(app, tmp_path, REDIS_URL=None, RATELIMIT_ALLOW_MEMORY=True)
    assert single.config["RATELIMIT_STORAGE_URI"] == "memory://"
    dispose(single)


def test_redis_url_becomes_the_limiter_store(app, tmp_path):
    shared = _production(app, tmp_path)
    try:
        assert shared.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    finally:
        dispose(shared)
        limiter.init_app(app)  # the suite's limiter store again (one Limiter for all apps)


def test_production_needs_the_public_url(app, tmp_path):
    with pytest.raises(RuntimeError, match="PUBLIC_URL is not set"):
        _production(app, tmp_path, PUBLIC_URL=None)


def test_production_accepts_a_real_configuration(app, tmp_path):
    good = _production(app, tmp_path)
    assert good.config["PREFERRED_URL_SCHEME"] == "https"
    dispose(good)
    limiter.init_app(app)


# --- the client's address behind a proxy -----------------------------------------------------

@pytest.fixture
def behind_proxy(app):  # type: ignore[no-untyped-def]
    proxied = make_app(app, TRUSTED_PROXIES=1, LOGIN_RATE_LIMIT_PER_ADDRESS="30 per minute",
                       LOGIN_RATE_LIMIT_PER_ACCOUNT="10 per minute")
    limiter.reset()
    yield proxied
    limiter.reset()
    dispose(proxied)


def _wrong_sign_in(client, email, forwarded):  # type: ignore[no-untyped-def]
    headers = {"X-Forwarded-For": forwarded}
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the proxy
    token = csrf_token(client)
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": "wrong-password"}, headers=headers)


def test_forty_people_behind_one_proxy_each_have_their_own_budget(behind_proxy, demo):
    answers = [_wrong_sign_in(behind_proxy.test_client(), f"person{i}@example.com",
                              f"203.0.113.{i}").status_code for i in range(40)]
    assert answers.count(429) == 0
    # one client is still limited, whatever proxy it comes through
    client = behind_proxy.test_client()
    same = [_wrong_sign_in(client, f"p{i}@example.com", "198.51.100.7").status_code
            for i in range(31)]
    assert same[:30] == [200] * 30 and same[30] == 429


def test_audit_events_record_the_client_not_the_proxy(behind_proxy, demo):
    client = behind_proxy.test_client()
    client.environ_base.update(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    login(client, "admin")
    create_org(client)  # an audited change made through the proxy
    with behind_proxy.app_context():
        addresses = set(db.session.scalars(select(AuditEvent.client_address)))
    assert "203.0.113.9" in addresses
    assert "10.0.0.1" not in addresses


def test_without_trusted_proxies_a_forwarded_header_is_not_believed(app, demo):
    limiter.reset()
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    client.environ_base["HTTP_X_FORWARDED_FOR"] = "1.2.3.4"
    login(client, "admin")
    create_org(client)
    assert "10.0.0.1" in set(db.session.scalars(select(AuditEvent.client_address)))
    addresses = set(db.session.scalars(select(AuditEvent.client_address)))
    assert "1.2.3.4" not in addresses


# --- the canonical origin and accepted hosts -------------------------------------------------

@pytest.fixture
def public(app):  # type: ignore[no-untyped-def]
    hosted = make_app(app, PUBLIC_URL="https://devreg.example.gov.cn", SERVER_NAME=None,
                      TRUSTED_HOSTS=["devreg.example.gov.cn", "localhost"])
    yield hosted
    dispose(hosted)


def test_qr_code_carries_the_public_url_whatever_host_is_sent(public, demo):
    from tests.registrations.helpers import certificate_for

    number = certificate_for(demo).number
    db.session.commit()
    client = public.test_client()
    answer = client.get(f"/verify/{number}/qr.svg", headers={"Host": "localhost"})
    assert answer.status_code == 200
    # (no row of the suite's session is touched inside the other app's context)
    with public.test_request_context(headers={"Host": "localhost"}):
        from devreg.hosting import public_url_for

        target = public_url_for("certificates.verify", number=number)
    assert unquote(target) == f"https://devreg.example.gov.cn/verify/{number}"
    assert answer.data == _qr_svg(target)
    assert answer.data != _qr_svg(f"http://localhost/verify/{number}")


def _qr_svg(target: str) -> bytes:
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(target, error="m").save(buffer, kind="svg", scale=4, border=2)
    return buffer.getvalue()


def test_other_host_headers_are_refused(public):
    assert public.test_client().get("/healthz", headers={"Host": "evil.example"}).status_code \
        == 400
    assert public.test_client().get(
        "/healthz", headers={"Host": "devreg.example.gov.cn"}).status_code == 200


# --- request ids ------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "kept"), [
    ("abc-123_DEF.9", True),
    ("x" * 64, True),
    ("x" * 65, False),
    ("evil\tFORGED log line", False),
    ("id\" forged=\"x", False),
    ("<script>", False),
    ("with space", False),
])
def test_request_id_is_kept_only_as_a_short_token(client, given, kept):
    answer = client.get("/healthz", headers={"X-Request-ID": given})
    echoed = answer.headers["X-Request-ID"]
    assert (echoed == given) is kept
    if not kept:
        assert len(echoed) == 16 and echoed.isalnum()


# --- health and logs -------------------------------------------------------------------------

def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "storage": "ok"}


def test_readyz_says_which_service_is_unreachable(app):
    broken = make_app(app, REDIS_URL="redis://127.0.0.1:1/0", STORAGE="s3",
                      S3_BUCKET="missing", S3_ENDPOINT_URL="http://127.0.0.1:1",
                      S3_ACCESS_KEY_ID="x", S3_SECRET_ACCESS_KEY="x", S3_REGION="us-east-1")
    try:
        answer = broken.test_client().get("/readyz")
        assert answer.status_code == 503
        assert answer.get_json()["checks"] == {"database": "ok", "storage": "unavailable",
                                               "redis": "unavailable"}
    finally:
        dispose(broken)
        limiter.init_app(app)


def test_json_logs_on_request(app, capsys):
    logged = make_app(app, LOG_FORMAT="json")
    try:
        with logged.test_request_context("/somewhere", headers={"X-Request-ID": "req-42"}):
            from flask import g

            g.request_id = "req-42"
            logged.logger.info("hello %s", "world")
        line = capsys.readouterr().err.strip().splitlines()[-1]
        entry = json.loads(line)
        assert entry["message"] == "hello world"
        assert entry["request_id"] == "req-42"
        assert entry["level"] == "INFO" and entry["path"] == "/somewhere"
    finally:
        dispose(logged)
        logging.getLogger("devreg")
