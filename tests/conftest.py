"""Test fixtures. The schema is built by the migrations, on SQLite by default or on the
PostgreSQL database named by DATABASE_URL; every test starts from empty tables (reference
data kept)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from devreg import create_app
from devreg.extensions import db

REFERENCE_TABLES = {"provinces", "catalogue_categories", "alembic_version"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production: a fresh ``g`` (so
    Flask-Login's cached user does not leak between requests) and a fresh database session.
    Afterwards the test's own session is expired so it reads what the request committed."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # English unless a test asks for another language (the product's default is zh_CN)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    base = tmp_path_factory.mktemp("devreg")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{base / 'test.sqlite3'}"
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(base / "uploads"),
        # per run, emptied after each test with the tables (never the developer's instance file)
        "AUDIT_CHECKPOINT_PATH": str(base / "audit-checkpoints.jsonl"),
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_LIGHT": True,  # argon2 with production cost makes each sign-in ~0.5 s
        # tests read English unless they ask for zh_CN (the product's default is zh_CN)
        "BABEL_DEFAULT_LOCALE": "en",
        # the suite signs in hundreds of times a minute; tests/security checks the real limits
        "LOGIN_RATE_LIMIT_PER_ACCOUNT": "100000 per minute",
        "LOGIN_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
        "SIGNATURE_RATE_LIMIT_PER_ACCOUNT": "100000 per minute",
        "SIGNATURE_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
        "API_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
        "API_RATE_LIMIT_PER_TOKEN": "100000 per minute",
    })
    application.test_client_class = FreshContextClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_tables()
        db.session.remove()
    Path(app.config["AUDIT_CHECKPOINT_PATH"]).unlink(missing_ok=True)
    upload_dir = Path(app.config["UPLOAD_FOLDER"])
    for path in sorted(upload_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


#: where the official documents are rendered by WeasyPrint as in production; elsewhere a test
#: gets a one-page PDF carrying the document's number, so the suite does not spend about half a
#: second of layout and CJK font subsetting on every acceptance and decision it makes
REAL_DOCUMENT_TESTS = ("tests/documents/", "tests/browser/")


@pytest.fixture(autouse=True)
def _light_documents(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Path(str(request.node.fspath)).as_posix()
    if any(part in path for part in REAL_DOCUMENT_TESTS) or \
            request.node.get_closest_marker("real_documents"):
        return
    from devreg.documents import render

    def light_pdf(kind, context):  # type: ignore[no-untyped-def]
        import io

        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        writer.add_metadata({"/Title": f"{kind.value} {context['number']}"})
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    monkeypatch.setattr(render, "render_pdf", light_pdf)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def demo(app: Flask):  # type: ignore[no-untyped-def]
    """The demo organisations, accounts and licences, committed; without the demo scenarios
    (devices, applications, certificates), which would take serials and registry rows from
    under the tests' assertions. tests/demo loads the whole demo."""
    from devreg.audit.services import acting_as
    from devreg.demo.loader import load_demo

    with acting_as(None, "test"):
        load_demo(scenarios=False)
    db.session.commit()
    return Demo()


class Demo:
    """Look up demo rows by their natural keys."""

    def user(self, email: str):  # type: ignore[no-untyped-def]
        from devreg.auth.services import find_user_by_email

        user = find_user_by_email(email if "@" in email else f"{email}@demo.devreg")
        assert user is not None
        return user

    def org(self, key: str):  # type: ignore[no-untyped-def]
        from devreg.demo.loader import ORGANISATIONS, _uscc
        from devreg.orgs.queries import find_by_uscc

        return find_by_uscc(_uscc(ORGANISATIONS[key][2]))


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no csrf token on {path}"
    return match.group(1)


def post(client: FlaskClient, path: str, data: dict | None = None, **kwargs):  # type: ignore[no-untyped-def]
    """POST a form the way a browser does: with the session's CSRF token."""
    payload = {"csrf_token": csrf_token(client, kwargs.pop("token_from", "/login")),
               **(data or {})}
    return client.post(path, data=payload, **kwargs)


def login(client: FlaskClient, email: str, password: str = "devreg-demo"):  # type: ignore[no-untyped-def]
    if "@" not in email:
        email = f"{email}@demo.devreg"
    response = post(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def login_as(client: FlaskClient, demo):  # type: ignore[no-untyped-def]
    def _login(email: str) -> FlaskClient:
        login(client, email)
        return client

    return _login
