"""The REST API under /api/v1: flask-smorest blueprints with marshmallow schemas, described by
an OpenAPI 3.1 document at /api/v1/openapi.json. Read-only: the public registry (no sign-in,
rate-limited per address) and the records of a personal API token's owner, scoped by the same
``*_visible_to`` queries as the pages. Errors are problem details (RFC 9457) in the language
of Accept-Language (devreg/api/problems.py).

The API reads the domains' queries; no domain imports the API."""

from __future__ import annotations

import http
from typing import Any

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.routing import UnicodeConverter

from devreg.api.problems import PROBLEM_JSON, ProblemSchema

#: every API route is under this prefix (and nothing else is)
API_PREFIX = "/api/v1"


class DevregApi(Api):
    """flask-smorest's Api with problem details: its own JSON error handler is not installed
    (devreg.errors renders errors of API paths through devreg.api.problems) and the error
    responses of the document say application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        from devreg.api.problems import render_problem
        from devreg.errors import register_error_renderer

        register_error_renderer(self._app, "/api/", render_problem)

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_api(app: Flask) -> DevregApi:
    from devreg import DatabaseId

    app.config.setdefault("API_TITLE", "devreg")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "devreg: the public registry of Class II medical device "
                               "registration certificates, and each account's own records. "
                               "Docs: /static/api/index.html"},
        "servers": [{"url": "/"}],
    })
    api = DevregApi(app, spec_kwargs={})
    # path parameters as the routes match them: a row id fits the database's INTEGER, a text
    # segment has no "/" and, like every text of devreg, no NUL (refused with 400)
    api.register_converter(DatabaseId, lambda _c: {"type": "integer", "minimum": 0,
                                                   "maximum": 2**31 - 1})
    api.register_converter(UnicodeConverter, lambda _c: {"type": "string", "minLength": 1,
                                                         "pattern": r"^[^\x00/]+$"})
    from devreg.api import account, own, public

    api.register_blueprint(public.blp, url_prefix=API_PREFIX)
    api.register_blueprint(own.blp, url_prefix=API_PREFIX)
    app.register_blueprint(account.bp)  # the account page's tokens (HTML, not in the document)
    from devreg.api.cli import api_group

    app.cli.add_command(api_group)
    api.spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer",
                  "description": "A personal API token from the account page"})
    return api
