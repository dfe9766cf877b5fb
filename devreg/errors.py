"""Domain errors and the HTTP error pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from devreg.extensions import db


class DomainError(Exception):
    """A business rule said no. ``message`` is already translated for the user."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidTransition(DomainError):
    pass


class StaleRecord(DomainError):
    """Someone else changed the record after this page was loaded."""


ErrorRenderer = Callable[[HTTPException], Any]
_RENDERERS = "devreg_error_renderers"


def register_error_renderer(app: Flask, prefix: str, renderer: ErrorRenderer) -> None:
    """Errors of paths under ``prefix`` are rendered by ``renderer`` instead of the HTML error
    pages (the API's problem details)."""
    app.extensions.setdefault(_RENDERERS, []).append((prefix, renderer))


def _renderer_for(app: Flask) -> ErrorRenderer | None:
    return next((renderer for prefix, renderer in app.extensions.get(_RENDERERS, [])
                 if request.path.startswith(prefix)), None)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        db.session.rollback()
        renderer = _renderer_for(app)
        if renderer is not None:
            return renderer(error)
        code = error.code or 500
        template = f"errors/{code}.html" if code in (400, 403, 404, 405, 413, 429) else None
        return render_template(template or "errors/generic.html", error=error), code

    @app.errorhandler(Exception)
    def server_error(error: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        app.logger.exception("unhandled error")
        renderer = _renderer_for(app)
        if renderer is not None:
            return renderer(InternalServerError())
        return render_template("errors/500.html"), 500
