"""Shared helpers for the foundation tests."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from devreg import create_app
from devreg.extensions import db

STRONG_PASSWORD = "correct-horse-battery-7"
DEMO_PASSWORD = "devreg-demo"
DEMO_ACCOUNTS = ("admin", "holder", "holder.bj", "manufacturer", "reviewer", "approver",
                 "reviewer.js")
JIANGSU_LICENCE = "苏药监械生产许20210015号"
BEIJING_LICENCE = "京药监械生产许20200088号"
A_HREF_RE = re.compile(r"<a\s[^>]*?href=\"([^\"]*)\"", re.IGNORECASE)
HTML_LANG_RE = re.compile(r"<html lang=\"([^\"]+)\"")


def make_app(base: Flask, **overrides: Any) -> Flask:
    """A second application on the same database as ``base``, with config overrides."""
    from tests.conftest import FreshContextClient

    config = {key: base.config[key] for key in
              ("TESTING", "SECRET_KEY", "AUDIT_KEY", "AUDIT_CHECKPOINT_PATH",
               "SQLALCHEMY_DATABASE_URI", "UPLOAD_FOLDER", "SERVER_NAME", "BABEL_DEFAULT_LOCALE")}
    # the suite's relaxed rate limits, where the application has them
    config.update({key: value for key, value in base.config.items()
                   if key.endswith(("_RATE_LIMIT_PER_ACCOUNT", "_RATE_LIMIT_PER_ADDRESS"))})
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = FreshContextClient
    return application


def dispose(application: Flask) -> None:
    """Close a second application's connection pool (PostgreSQL keeps connections open)."""
    with application.app_context():
        db.engine.dispose()


def translated(locale: str, message: str, **variables: Any) -> str:
    """``message`` as the catalogue of ``locale`` renders it (the source text when untranslated)."""
    from flask_babel import force_locale, gettext

    with force_locale(locale):
        return gettext(message, **variables)


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """The response body with HTML entities decoded, for message assertions."""
    return html.unescape(response.get_data(as_text=True))


def html_lang(response) -> str | None:  # type: ignore[no-untyped-def]
    match = HTML_LANG_RE.search(response.get_data(as_text=True))
    return match.group(1) if match else None


def links_in(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [html.unescape(href) for href in A_HREF_RE.findall(response.get_data(as_text=True))]


def count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def make_uscc(first17: str) -> str:
    from devreg.orgs.uscc import check_character

    return first17 + check_character(first17)


def make_organisation(*, name: str, first17: str, province: str, holder: bool = False,
                      manufacturer: bool = False, regulator: bool = False):  # type: ignore[no-untyped-def]
    """Create and commit an organisation through the service layer."""
    from devreg.audit.services import acting_as
    from devreg.orgs.services import OrganisationData, create_organisation

    with acting_as(None, "test"):
        org = create_organisation(OrganisationData(
            name_zh=name, name_en=None, uscc=make_uscc(first17), province_code=province,
            address="测试地址 1 号", is_holder=holder, is_manufacturer=manufacturer,
            is_regulator=regulator))
    db.session.commit()
    return org


def make_licence(*, number: str, organisation_id: int, scope: tuple[str, ...] = ("07",)):  # type: ignore[no-untyped-def]
    from devreg.audit.services import acting_as
    from devreg.production.services import LicenceData, create_licence

    with acting_as(None, "test"):
        licence = create_licence(LicenceData(number=number, organisation_id=organisation_id,
                                             valid_until=date(2030, 12, 31), scope_codes=scope))
    db.session.commit()
    return licence


def licence_id(number: str) -> int:
    from devreg.production.queries import find_by_number

    licence = find_by_number(number)
    assert licence is not None, number
    return licence.id


def session_cookie(client) -> str:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def replay(app: Flask, cookie_value: str):  # type: ignore[no-untyped-def]
    """A new browser holding a copy of an old session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie_value, domain="localhost")
    return other


def tamper(sql: str, **params: Any) -> None:
    """An SQL edit behind the application, committed. On PostgreSQL it runs as the audit table's
    owner, who can switch off the append-only trigger (the app role, with INSERT and SELECT
    only, cannot)."""
    from sqlalchemy import text

    postgres = db.engine.dialect.name == "postgresql"
    trigger = "TRIGGER audit_events_append_only"
    if postgres:
        db.session.execute(text(f"ALTER TABLE audit_events DISABLE {trigger}"))
    db.session.execute(text(sql), params)
    if postgres:
        db.session.execute(text(f"ALTER TABLE audit_events ENABLE {trigger}"))
    db.session.commit()
