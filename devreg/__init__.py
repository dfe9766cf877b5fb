"""devreg: the medical device registrant system (医疗器械注册人制度) application."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from dotenv import load_dotenv
from flask import Flask, abort, g, request
from werkzeug.routing import IntegerConverter, Map

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    load_dotenv(ROOT / ".env")
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from devreg.config import load_config

    load_config(app.config, app.instance_path, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from devreg.hosting import init_hosting, init_logging, sqlite_engine_options
    from devreg.storage import init_storage

    sqlite_engine_options(app)
    init_storage(app)
    init_hosting(app)
    init_logging(app)

    register_extensions(app)
    app.url_map.converters["int"] = DatabaseId
    register_blueprints(app)
    from devreg.api import init_api

    init_api(app)
    register_request_hooks(app)
    register_template_helpers(app)
    from devreg.errors import register_error_handlers

    register_error_handlers(app)
    from devreg.cli import register_commands

    register_commands(app)
    return app


class DatabaseId(IntegerConverter):
    """``<int:...>`` in a route is a row id: one that the database's INTEGER columns can hold.
    A larger number matches no route (404) instead of failing in PostgreSQL (500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    from devreg.extensions import babel, csrf, db, login_manager, migrate
    from devreg.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    login_manager.init_app(app)
    from devreg.security import init_security

    init_security(app)
    from devreg.auth import sessions  # noqa: F401  (user_loader)


def register_blueprints(app: Flask) -> None:
    from devreg import (
        arrangements,
        audit,
        auth,
        certificates,
        documents,
        main,
        notifications,
        orgs,
        production,
        registrations,
        reports,
        review,
        transfer,
        workdays,
    )

    for module in (main, auth, orgs, production, registrations, review, certificates,
                   arrangements, workdays, audit, reports, transfer,
                   notifications, documents):
        # each package's routes (or commands) live in views.py (cli.py for audit)
        importlib.import_module(f"{module.__name__}.{'cli' if module is audit else 'views'}")
        app.register_blueprint(module.bp)
    # policies are registered as their modules import
    # listeners of devreg.events: who is told what, and the sweep's reminders
    import devreg.notifications.listeners
    import devreg.notifications.policies
    import devreg.notifications.reminders
    import devreg.policies
    import devreg.registrations.clock_store
    import devreg.signed_records  # noqa: F401
    from devreg.notifications.sending import init_sending

    init_sending(app)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters() -> None:
        """No page or form of devreg has a use for NUL (U+0000), and PostgreSQL text cannot
        hold it: refuse it up front (400) instead of failing in the database (500)."""
        fields = [request.path, *(item for multi in (request.args, request.form)
                                  for key, values in multi.lists() for item in (key, *values))]
        if any("\x00" in value for value in fields):
            abort(400)

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


def register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from devreg import templating
    from devreg.permissions import can

    app.jinja_env.globals["can"] = lambda action, obj=None: can(current_user, action, obj)

    def unread_count() -> int:
        from devreg.notifications.queries import unread_count as count

        return count(current_user.id) if current_user.is_authenticated else 0

    app.jinja_env.globals["unread_count"] = unread_count
    templating.register(app)
