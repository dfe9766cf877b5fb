"""Domain errors and the HTTP error pages."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        db.session.rollback()
        code = error.code or 500
        template = f"errors/{code}.html" if code in (400, 403, 404, 405, 413, 429) else None
        return render_template(template or "errors/generic.html", error=error), code

    @app.errorhandler(Exception)
    def server_error(error: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_template("errors/500.html"), 500
